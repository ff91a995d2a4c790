import Glibc
import SystemPackage

/// Files the tool owns: record segments, keys, locks, the index, the ship cursor, metrics.
/// Writes are whole (`writeAll`), durable when asked (`sync`, `fsyncDirectory`), and every
/// descriptor is opened close-on-exec.
extension Syscalls {
    /// open(2) with O_CLOEXEC added; `mode` applies when O_CREAT creates the file.
    public static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(SystemCallError) -> FileDescriptor {
        let fd = retrying { open(path, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw lastError("open", path) }
        return FileDescriptor(rawValue: fd)
    }

    /// Creates a new file (O_CREAT | O_EXCL); nil when it already exists.
    public static func createExclusive(_ path: String, _ flags: Int32, mode: mode_t) throws(SystemCallError) -> FileDescriptor? {
        let fd = retrying { open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
        if fd < 0 && errno == EEXIST { return nil }
        guard fd >= 0 else { throw lastError("open", path) }
        return FileDescriptor(rawValue: fd)
    }

    /// Opens an existing file; nil when it does not exist.
    public static func openExisting(_ path: String, _ flags: Int32) throws(SystemCallError) -> FileDescriptor? {
        let fd = retrying { open(path, flags | O_CLOEXEC, 0) }
        if fd < 0 && errno == ENOENT { return nil }
        guard fd >= 0 else { throw lastError("open", path) }
        return FileDescriptor(rawValue: fd)
    }

    /// Closes a descriptor (any kind: file, directory, socket). close(2) is not retried: on
    /// Linux the descriptor is gone even when it reports EINTR.
    public static func closeFile(_ fd: FileDescriptor) {
        _ = close(fd.rawValue)
    }

    /// Size and permission bits of an open file.
    public static func status(_ fd: FileDescriptor, path: String) throws(SystemCallError) -> (size: Int64, mode: mode_t) {
        var info = stat()
        guard retrying({ fstat(fd.rawValue, &info) }) == 0 else { throw lastError("fstat", path) }
        return (Int64(info.st_size), info.st_mode & 0o7777)
    }

    /// Owner and permission bits of `path` (stat(2), following links).
    public static func status(of path: String) throws(SystemCallError) -> (uid: uid_t, mode: mode_t) {
        var info = stat()
        guard retrying({ stat(path, &info) }) == 0 else { throw lastError("stat", path) }
        return (info.st_uid, info.st_mode & 0o7777)
    }

    /// Reads up to `count` bytes at `offset` (fewer only at end of file): the pread loop.
    public static func read(_ fd: FileDescriptor, at offset: Int64, count: Int, path: String) throws(SystemCallError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var used = 0
        while used < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                retrying { pread(fd.rawValue, raw.baseAddress! + used, count - used, off_t(offset) + off_t(used)) }
            }
            if n < 0 { throw lastError("read", path) }
            if n == 0 { break }
            used += n
        }
        buffer.removeSubrange(used...)
        return buffer
    }

    /// Reads a whole (small) file: keys, the daemon's lock file.
    public static func readAll(_ fd: FileDescriptor, path: String, limit: Int) throws(SystemCallError) -> [UInt8] {
        try read(fd, at: 0, count: limit, path: path)
    }

    /// The bytes of `path` from `offset` to its end as fstat sees it at open (or `length` of
    /// them): the pread-to-end loop for segments read from where the last reader stopped.
    /// A state file (a segment) is read with `followingLinks: false` (`openStateFile`).
    public static func readRange(_ path: String, from offset: Int64, length: Int64? = nil, followingLinks: Bool = true) throws(SystemCallError) -> [UInt8] {
        let fd = try followingLinks ? openFile(path, O_RDONLY) : openStateFile(path, O_RDONLY)
        defer { closeFile(fd) }
        let available = max(try status(fd, path: path).size - offset, 0)
        return try read(fd, at: offset, count: Int(min(length ?? available, available)), path: path)
    }

    /// Writes all of `bytes`. Normally one write(2); a short write (a signal, a nearly full disk)
    /// continues where it stopped, and an error is thrown with the bytes already written left
    /// for the caller to truncate.
    public static func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8], path: String) throws(SystemCallError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(SystemCallError) in try writeAll(fd, raw, path: path) } }.get()
    }

    /// `writeAll(_:_:path:)` of bytes in place (a writer's own buffer: no array made to write it).
    public static func writeAll(_ fd: FileDescriptor, _ bytes: UnsafeRawBufferPointer, path: String) throws(SystemCallError) {
        var written = 0
        while written < bytes.count {
            let n = retrying { write(fd.rawValue, bytes.baseAddress! + written, bytes.count - written) }
            if n < 0 { throw lastError("write", path) }
            if n == 0 { throw SystemCallError(operation: "write", path: path, errno: .noSpace) }
            written += n
        }
    }

    /// fsync(2): the file's data and size are on disk when this returns.
    public static func sync(_ fd: FileDescriptor, path: String) throws(SystemCallError) {
        guard retrying({ fsync(fd.rawValue) }) == 0 else { throw lastError("fsync", path) }
    }

    /// Makes a directory entry (a created, renamed or removed file) durable.
    public static func fsyncDirectory(_ path: String) throws(SystemCallError) {
        let fd = try openFile(path, O_RDONLY | O_DIRECTORY)
        defer { closeFile(fd) }
        try sync(fd, path: path)
    }

    /// Replaces `path` with `bytes`: `path.tmp` created with exactly `mode` (whatever the umask),
    /// written and fsynced, renamed over it, and the directory fsynced (best effort), so a crash
    /// leaves the old or the new content, never half. A `.tmp` left by a crash is removed first;
    /// no symbolic link is followed on the way to it (`createStateFile`).
    public static func replaceDurably(_ path: String, with bytes: [UInt8], directory: String, mode: mode_t = 0o640) throws(SystemCallError) {
        let temporary = path + ".tmp"
        try removeExisting(temporary)
        guard let fd = try createStateFile(temporary, O_WRONLY, mode: mode) else {
            throw SystemCallError(operation: "open", path: temporary, errno: .fileExists)
        }
        do {
            try writeAll(fd, bytes, path: temporary)
        } catch {
            closeFile(fd)
            remove(temporary)
            throw error
        }
        do {
            try sync(fd, path: temporary)
        } catch {
            closeFile(fd)
            throw error
        }
        closeFile(fd)
        try rename(temporary, path)
        try? fsyncDirectory(directory)
    }

    /// ftruncate(2).
    public static func truncate(_ fd: FileDescriptor, to size: Int64, path: String) throws(SystemCallError) {
        guard retrying({ ftruncate(fd.rawValue, off_t(size)) }) == 0 else { throw lastError("ftruncate", path) }
    }

    /// fchmod(2): the mode whatever the umask.
    public static func setMode(_ fd: FileDescriptor, _ mode: mode_t, path: String) throws(SystemCallError) {
        guard retrying({ fchmod(fd.rawValue, mode) }) == 0 else { throw lastError("fchmod", path) }
    }

    /// Blocks until this process holds the exclusive flock(2) on `fd`; released when fd is closed.
    public static func lockExclusive(_ fd: FileDescriptor, path: String) throws(SystemCallError) {
        guard retrying({ flock(fd.rawValue, LOCK_EX) }) == 0 else { throw lastError("flock", path) }
    }

    /// flock(LOCK_EX | LOCK_NB): false when another process holds it.
    public static func tryLock(_ fd: FileDescriptor, path: String) throws(SystemCallError) -> Bool {
        if retrying({ flock(fd.rawValue, LOCK_EX | LOCK_NB) }) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw lastError("flock", path)
    }

    /// Creates a directory; false when it already exists (not an error).
    @discardableResult
    public static func makeDirectory(_ path: String, mode: mode_t) throws(SystemCallError) -> Bool {
        if retrying({ mkdir(path, mode) }) == 0 { return true }
        if errno == EEXIST { return false }
        throw lastError("mkdir", path)
    }

    /// `mkdir -p` with `mode` for each directory it creates, each made durable (fsync of its
    /// parent), so a record acknowledged in a new directory survives a power cut.
    public static func makeDirectories(_ path: String, mode: mode_t) throws(SystemCallError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            let parent = prefix.isEmpty ? "/" : prefix
            prefix += "/" + component
            if component == "." || component == ".." { continue }
            if try makeDirectory(prefix, mode: mode) {
                try handOverDirectory(prefix)
                try fsyncDirectory(parent)
            }
        }
    }

    /// realpath(3): `path` with every link, `.` and `..` resolved; nil when it cannot be resolved.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// rename(2); errors name the target.
    public static func rename(_ from: String, _ to: String) throws(SystemCallError) {
        guard retrying({ Glibc.rename(from, to) }) == 0 else { throw lastError("rename", to) }
    }

    /// Removes a file, ignoring any error (clean-up after a failure that is being reported).
    public static func remove(_ path: String) {
        _ = retrying { unlink(path) }
    }

    /// Removes a file; one that is already gone is not an error.
    public static func removeExisting(_ path: String) throws(SystemCallError) {
        if retrying({ unlink(path) }) == 0 || errno == ENOENT { return }
        throw lastError("unlink", path)
    }

    /// True when `path` exists (any type).
    public static func exists(_ path: String) -> Bool {
        retrying { access(path, F_OK) } == 0
    }

    /// True when `path` exists and is readable by this process (access(2) with R_OK).
    public static func isReadable(_ path: String) -> Bool {
        retrying { access(path, R_OK) } == 0
    }

    /// True when `path` exists and this process may execute it (access(2) with X_OK).
    public static func isExecutable(_ path: String) -> Bool {
        retrying { access(path, X_OK) } == 0
    }

    /// chown(2).
    public static func changeOwner(_ path: String, uid: uid_t, gid: gid_t) throws(SystemCallError) {
        guard retrying({ chown(path, uid, gid) }) == 0 else { throw lastError("chown", path) }
    }

    /// The entries of a directory (without "." and "..").
    public static func listDirectory(_ path: String) throws(SystemCallError) -> [String] {
        var names: [String] = []
        try forEachEntry(path) { name in
            let name = String(decoding: name.prefix(while: { $0 != 0 }), as: UTF8.self)
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Where `d_name` is in a `dirent`.
    private static let direntNameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    /// Calls `body` with the NUL-terminated name of every entry of the directory `path`
    /// (opendir/readdir; "." and ".." included), without making a String per entry.
    static func forEachEntry(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemCallError) {
        guard let directory = opendir(path) else { throw lastError("opendir", path) }
        defer { closedir(directory) }
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw lastError("readdir", path) }
                return
            }
            // The name in place, to its NUL and no further: `entry.pointee.d_name` copied all
            // 256 bytes of the array, past the end of a short record at the end of readdir's
            // buffer, and so now and then past the end of the heap (a SIGSEGV in a /proc listing
            // of 10,000 processes, one run in some hundred).
            let name = UnsafeRawPointer(entry) + Self.direntNameOffset
            body(UnsafeRawBufferPointer(start: name, count: strlen(name.assumingMemoryBound(to: CChar.self)) + 1))
        }
    }

    /// Writes all of `bytes` to standard output or error (`FileDescriptor.standardOutput`),
    /// as `writeAll` does; `name` ("stdout") names it in errors.
    public static func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8]) throws(SystemCallError) {
        try writeAll(fd, bytes, path: fd == .standardError ? "stderr" : "stdout")
    }

    /// `writeAll(_:_:)` of bytes in place.
    public static func writeAll(_ fd: FileDescriptor, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        try writeAll(fd, bytes, path: fd == .standardError ? "stderr" : "stdout")
    }
}
