#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ProcFS
import SystemPackage

/// The only place Records talks to the kernel: files, locks, fsync. Each call retries EINTR and
/// turns errno into a `SystemCallError` naming the path (the same error type ProcFS throws), so
/// "no space left on device" reaches the user with the file it happened to.
enum Syscalls {
    /// open(2) with O_CLOEXEC added; `mode` applies when O_CREAT creates the file.
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(SystemCallError) -> Int32 {
        let fd = retrying { open(path, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw error("open", path) }
        return fd
    }

    /// Creates a new file (O_CREAT | O_EXCL); nil when it already exists.
    static func createExclusive(_ path: String, _ flags: Int32, mode: mode_t) throws(SystemCallError) -> Int32? {
        let fd = retrying { open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
        if fd < 0 && errno == EEXIST { return nil }
        guard fd >= 0 else { throw error("open", path) }
        return fd
    }

    /// Opens an existing file; nil when it does not exist.
    static func openExisting(_ path: String, _ flags: Int32) throws(SystemCallError) -> Int32? {
        let fd = retrying { open(path, flags | O_CLOEXEC, 0) }
        if fd < 0 && errno == ENOENT { return nil }
        guard fd >= 0 else { throw error("open", path) }
        return fd
    }

    static func closeFile(_ fd: Int32) {
        _ = close(fd)
    }

    /// Size and permission bits of an open file.
    static func status(_ fd: Int32, path: String) throws(SystemCallError) -> (size: Int64, mode: mode_t) {
        var info = stat()
        guard retrying({ fstat(fd, &info) }) == 0 else { throw error("fstat", path) }
        return (Int64(info.st_size), info.st_mode & 0o7777)
    }

    /// Reads up to `count` bytes at `offset` (fewer only at end of file).
    static func read(_ fd: Int32, at offset: Int64, count: Int, path: String) throws(SystemCallError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var used = 0
        while used < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                retrying { pread(fd, raw.baseAddress! + used, count - used, off_t(offset) + off_t(used)) }
            }
            if n < 0 { throw error("read", path) }
            if n == 0 { break }
            used += n
        }
        buffer.removeSubrange(used...)
        return buffer
    }

    /// Reads a whole (small) file: keys.
    static func readAll(_ fd: Int32, path: String, limit: Int) throws(SystemCallError) -> [UInt8] {
        try read(fd, at: 0, count: limit, path: path)
    }

    /// Writes all of `bytes`. Normally one write(2); a short write (a signal, a nearly full disk)
    /// continues where it stopped, and an error is thrown with the bytes already written left
    /// for the caller to truncate.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemCallError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                retrying { write(fd, raw.baseAddress! + written, bytes.count - written) }
            }
            if n < 0 { throw error("write", path) }
            if n == 0 { throw SystemCallError(operation: "write", path: path, errno: .noSpace) }
            written += n
        }
    }

    static func sync(_ fd: Int32, path: String) throws(SystemCallError) {
        guard retrying({ fsync(fd) }) == 0 else { throw error("fsync", path) }
    }

    /// Makes a directory entry (a created or removed file) durable.
    static func fsyncDirectory(_ path: String) throws(SystemCallError) {
        let fd = try openFile(path, O_RDONLY | O_DIRECTORY)
        defer { closeFile(fd) }
        try sync(fd, path: path)
    }

    static func truncate(_ fd: Int32, to size: Int64, path: String) throws(SystemCallError) {
        guard retrying({ ftruncate(fd, off_t(size)) }) == 0 else { throw error("ftruncate", path) }
    }

    static func setMode(_ fd: Int32, _ mode: mode_t, path: String) throws(SystemCallError) {
        guard retrying({ fchmod(fd, mode) }) == 0 else { throw error("fchmod", path) }
    }

    /// Blocks until this process holds the exclusive flock(2) on `fd`; released when fd is closed.
    static func lockExclusive(_ fd: Int32, path: String) throws(SystemCallError) {
        guard retrying({ flock(fd, LOCK_EX) }) == 0 else { throw error("flock", path) }
    }

    /// Creates a directory; false when it already exists (not an error).
    static func makeDirectory(_ path: String, mode: mode_t) throws(SystemCallError) -> Bool {
        if retrying({ mkdir(path, mode) }) == 0 { return true }
        if errno == EEXIST { return false }
        throw error("mkdir", path)
    }

    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Removes a file; one that is already gone is not an error.
    static func removeExisting(_ path: String) throws(SystemCallError) {
        if retrying({ unlink(path) }) == 0 || errno == ENOENT { return }
        throw error("unlink", path)
    }

    /// True when `path` exists (any type).
    static func exists(_ path: String) -> Bool {
        retrying { access(path, F_OK) } == 0
    }

    /// The entries of a directory (without "." and "..").
    static func listDirectory(_ path: String) throws(SystemCallError) -> [String] {
        guard let directory = opendir(path) else { throw error("opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw error("readdir", path) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    private static func error(_ operation: String, _ path: String) -> SystemCallError {
        SystemCallError(operation: operation, path: path, errno: Errno(rawValue: errno))
    }

    private static func retrying<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result < 0 && errno == EINTR { continue }
            return result
        }
    }
}
