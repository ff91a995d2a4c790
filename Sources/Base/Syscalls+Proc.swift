import Glibc
import CProcShim
import SystemPackage

/// /proc and the files of other processes: directories opened once for the `*At` calls, whole
/// files read into a reused buffer, links, and lookups resolved inside a process's own root.
extension Syscalls {
    /// Opens a directory for use with the `*At` calls (O_DIRECTORY | O_CLOEXEC).
    public static func openDirectory(_ path: String) throws(SystemCallError) -> FileDescriptor {
        let fd = retrying { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw lastError("open", path) }
        return FileDescriptor(rawValue: fd)
    }

    /// The most `readFile` and `readAll` read of one file. Real /proc files stay far below it
    /// (environ and cmdline together by the exec limit, at most 6 MiB; a mount table of 10,000
    /// mounts is about 2 MiB); a proc root handed to isotrace may
    /// hold anything, e.g. a huge file or a link to /dev/zero.
    public static let procFileLimit = 16 << 20

    /// Reads a whole file below `directory` into `buffer` (grown as needed, reused across calls)
    /// and returns the number of bytes read. /proc files report size 0, so this reads until EOF
    /// (a read returning 0, or less than asked).
    /// Only a regular file is read (a FIFO, socket or device planted in a proc root is refused),
    /// opened O_NONBLOCK | O_NOCTTY so that even opening one cannot block, and at most
    /// `procFileLimit` bytes of it. `displayPath` names the file in errors.
    public static func readFile(
        at directory: FileDescriptor?, _ name: String, displayPath: @autoclosure () -> String, into buffer: inout [UInt8]
    ) throws(SystemCallError) -> Int {
        let fd = retrying { openat(directory?.rawValue ?? AT_FDCWD, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) }
        guard fd >= 0 else { throw lastError("open", displayPath()) }
        defer { _ = close(fd) }
        try requireRegularFile(fd, displayPath: displayPath())
        return try readToEnd(fd, displayPath: displayPath(), into: &buffer)
    }

    /// Opens a proc root for `openProcDirectory`: `kernelOwned` when it is the kernel's procfs.
    public static func openProcRoot(_ path: String) throws(SystemCallError) -> ProcDirectory {
        let fd = try openDirectory(path)
        return ProcDirectory(fd: fd, kernelOwned: retrying { isotrace_is_procfs(fd.rawValue) } == 1)
    }

    /// Opens the directory `name` below `parent` (a process's directory below its proc root).
    /// Below the kernel's procfs it is opened without crossing a mount point or following a
    /// link, so that it is procfs's own and so is every file `readFile(at:)` opens below it;
    /// elsewhere (a fixture tree, a copy) it is an ordinary open and each file is checked.
    public static func openProcDirectory(at parent: ProcDirectory, _ name: String, displayPath: @autoclosure () -> String) throws(SystemCallError) -> ProcDirectory {
        try name.withCString { cName in
            Result { () throws(SystemCallError) in try openProcDirectory(at: parent, cName: cName, displayPath: displayPath()) }
        }.get()
    }

    /// `openProcDirectory(at:_:displayPath:)` for a process, its directory named by `pid` written
    /// on the stack (no String per process of a sample).
    public static func openProcDirectory(at parent: ProcDirectory, pid: Int32, displayPath: @autoclosure () -> String) throws(SystemCallError) -> ProcDirectory {
        var digits: (UInt64, UInt64) = (0, 0)  // 16 bytes: "-2147483648" and its NUL fit
        return try withUnsafeMutableBytes(of: &digits) { raw in
            var value = Int64(pid).magnitude
            var end = raw.count - 1
            raw[end] = 0
            repeat {
                end -= 1
                raw[end] = UInt8(truncatingIfNeeded: value % 10) + 48
                value /= 10
            } while value > 0
            if pid < 0 {
                end -= 1
                raw[end] = UInt8(ascii: "-")
            }
            let cName = UnsafePointer((raw.baseAddress! + end).assumingMemoryBound(to: CChar.self))
            return Result { () throws(SystemCallError) in try openProcDirectory(at: parent, cName: cName, displayPath: displayPath()) }
        }.get()
    }

    private static func openProcDirectory(at parent: ProcDirectory, cName: UnsafePointer<CChar>, displayPath: @autoclosure () -> String) throws(SystemCallError) -> ProcDirectory {
        if parent.kernelOwned {
            let fd = retrying { isotrace_open_on_same_mount(parent.fd.rawValue, cName, O_RDONLY | O_DIRECTORY) }
            if fd >= 0 { return ProcDirectory(fd: FileDescriptor(rawValue: fd), kernelOwned: true) }
            if errno != ENOSYS { throw sameMountError(displayPath()) }
        }
        let fd = retrying { openat(parent.fd.rawValue, cName, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw lastError("open", displayPath()) }
        return ProcDirectory(fd: FileDescriptor(rawValue: fd), kernelOwned: false)
    }

    /// `readFile(at:_:displayPath:into:)` below a proc directory. Below the kernel's procfs the
    /// file is opened on the directory's own mount without following a link (a bind mount over
    /// it fails with EXDEV, a link with ELOOP), which makes it procfs's own regular file: the
    /// kernel's guarantee stands in for the fstat every other file gets (one system call less
    /// per file read, tens of thousands per sample of a busy node).
    public static func readFile(
        at directory: ProcDirectory, _ name: String, displayPath: @autoclosure () -> String, into buffer: inout [UInt8]
    ) throws(SystemCallError) -> Int {
        let fd = try openProcFile(at: directory, name, displayPath: displayPath())
        defer { _ = close(fd) }
        return try readToEnd(fd, displayPath: displayPath(), into: &buffer)
    }

    /// `openFile(at:_:displayPath:)` below a proc directory (see `readFile(at:)` for the check).
    public static func openFile(at directory: ProcDirectory, _ name: String, displayPath: @autoclosure () -> String) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(rawValue: try openProcFile(at: directory, name, displayPath: displayPath()))
    }

    private static func openProcFile(at directory: ProcDirectory, _ name: String, displayPath: @autoclosure () -> String) throws(SystemCallError) -> Int32 {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY
        if directory.kernelOwned {
            // withCString: a short name is copied to the stack (passing the String as the C
            // argument made an array on the heap for every file of every process).
            let fd = name.withCString { cName in retrying { isotrace_open_on_same_mount(directory.fd.rawValue, cName, flags) } }
            if fd >= 0 { return fd }
            if errno != ENOSYS { throw sameMountError(displayPath()) }
        }
        return try openFile(at: directory.fd, name, displayPath: displayPath()).rawValue
    }

    /// The error of an open that had to stay on procfs's own mount: EXDEV and ELOOP say what was
    /// found instead of procfs's file.
    private static func sameMountError(_ displayPath: String) -> SystemCallError {
        switch Errno(rawValue: errno) {
        case .improperLink: return SystemCallError(operation: "open (a mount over a proc file, EXDEV)", path: displayPath, errno: .improperLink)
        case .tooManySymbolicLinkLevels: return SystemCallError(operation: "open (a link over a proc file, ELOOP)", path: displayPath, errno: .tooManySymbolicLinkLevels)
        default: return lastError("open", displayPath)
        }
    }

    /// Throws unless `fd` is a regular file (what every file of /proc and of a fixture tree is).
    private static func requireRegularFile(_ fd: Int32, displayPath: @autoclosure () -> String) throws(SystemCallError) {
        var info = stat()
        guard retrying({ fstat(fd, &info) }) == 0 else { throw lastError("fstat", displayPath()) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SystemCallError(operation: "read (not a regular file)", path: displayPath(), errno: .invalidArgument)
        }
    }

    /// Reads an open file from where it is to its end into `buffer`, at most `procFileLimit`
    /// bytes; returns the byte count.
    private static func readToEnd(_ fd: Int32, displayPath: @autoclosure () -> String, into buffer: inout [UInt8]) throws(SystemCallError) -> Int {
        if buffer.count < 4096 { buffer = [UInt8](repeating: 0, count: 4096) }
        var used = 0
        while true {
            if used >= procFileLimit {
                throw SystemCallError(operation: "read (over \(procFileLimit >> 20) MiB)", path: displayPath(), errno: .fileTooLarge)
            }
            if used == buffer.count { buffer.append(contentsOf: repeatElement(0, count: min(buffer.count, procFileLimit - used))) }
            let n = buffer.withUnsafeMutableBytes { raw in
                retrying { Glibc.read(fd, raw.baseAddress! + used, raw.count - used) }
            }
            if n < 0 { throw lastError("read", displayPath()) }
            if n == 0 { return used }
            used += n
            // A short read is the end: /proc's files (seq_file, cmdline, environ) only return less
            // than asked at their end, and so do regular files (fixture trees). Saves one read(2).
            if used < buffer.count { return used }
        }
    }

    /// Opens a file below `directory` for reading, to be kept open (`readAll`, `pollChanged`).
    /// (The fallback of `openProcFile` where openat2 is missing, e.g. EL8's 4.18 kernels: the
    /// name goes to the kernel through `withCString`, on the stack, not as a heap array.)
    public static func openFile(at directory: FileDescriptor, _ name: String, displayPath: @autoclosure () -> String) throws(SystemCallError) -> FileDescriptor {
        let fd = name.withCString { cName in retrying { openat(directory.rawValue, cName, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) } }
        guard fd >= 0 else { throw lastError("open", displayPath()) }
        do {
            try requireRegularFile(fd, displayPath: displayPath())
        } catch {
            _ = close(fd)
            throw error
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Reads an open file from its start to its end into `buffer`; returns the byte count.
    public static func readAll(_ fd: FileDescriptor, displayPath: @autoclosure () -> String, into buffer: inout [UInt8]) throws(SystemCallError) -> Int {
        guard retrying({ Int32(truncatingIfNeeded: lseek(fd.rawValue, 0, SEEK_SET)) }) >= 0 else {
            throw lastError("lseek", displayPath())
        }
        return try readToEnd(fd.rawValue, displayPath: displayPath(), into: &buffer)
    }

    /// Which of `fds` poll(2) reports with POLLPRI or POLLERR right now: for /proc's mountinfo, the
    /// mount table changed since the file was opened or last reported (proc(5), /proc/pid/mounts).
    /// Indices into `fds`; every index when poll itself fails (the caller then reads them all).
    public static func pollChanged(_ fds: [FileDescriptor]) -> [Int] {
        guard !fds.isEmpty else { return [] }
        var entries = fds.map { pollfd(fd: $0.rawValue, events: Int16(POLLPRI), revents: 0) }
        let n = entries.withUnsafeMutableBufferPointer { buffer in
            retrying { Glibc.poll(buffer.baseAddress!, nfds_t(buffer.count), 0) }
        }
        guard n >= 0 else { return Array(fds.indices) }
        return entries.indices.filter { entries[$0].revents & Int16(POLLPRI | POLLERR | POLLNVAL) != 0 }
    }

    /// One poll(2) of `fd` for `events` that does not wait; nil when poll worked, else its errno.
    public static func poll(_ fd: FileDescriptor, events: Int16) -> Errno? {
        var entry = pollfd(fd: fd.rawValue, events: events, revents: 0)
        return retrying { Glibc.poll(&entry, 1, 0) } >= 0 ? nil : Errno(rawValue: errno)
    }

    /// The numeric entries of a proc root: its processes (no String made per entry).
    public static func listPIDs(_ path: String) throws(SystemCallError) -> [Int32] {
        var pids: [Int32] = []
        try forEachEntry(path) { raw in
            // "00025629" is not a second pid 25629: the kernel never writes a leading zero.
            if raw.first == UInt8(ascii: "0") { return }
            var value: Int64 = 0
            for byte in raw {
                if byte == 0 { break }
                guard byte >= 48 && byte <= 57, value < Int64(Int32.max) else { return }
                value = value * 10 + Int64(byte - 48)
            }
            if raw.first != 0 && value <= Int64(Int32.max) { pids.append(Int32(value)) }
        }
        return pids
    }

    /// Reads a symbolic link below `directory` (for /proc: exe, cwd, ns/*).
    public static func readLink(at directory: FileDescriptor?, _ name: String, displayPath: @autoclosure () -> String) throws(SystemCallError) -> [UInt8] {
        // Almost every link fits PATH_MAX: read into the stack, make one array of the right size.
        let onStack = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { raw -> (Int, [UInt8]?) in
            let n = retrying { readlinkat(directory?.rawValue ?? AT_FDCWD, name, UnsafeMutableRawPointer(raw.baseAddress!).assumingMemoryBound(to: CChar.self), raw.count) }
            return n >= 0 && n < raw.count ? (n, Array(UnsafeBufferPointer(rebasing: raw[0..<n]))) : (n, nil)
        }
        if onStack.0 < 0 { throw lastError("readlink", displayPath()) }
        if let target = onStack.1 { return target }
        var size = 16384
        while true {
            var target = [UInt8](repeating: 0, count: size)
            let n = target.withUnsafeMutableBytes { raw in
                retrying { readlinkat(directory?.rawValue ?? AT_FDCWD, name, raw.baseAddress!.assumingMemoryBound(to: CChar.self), size) }
            }
            if n < 0 { throw lastError("readlink", displayPath()) }
            if n < size { return Array(target[0..<n]) }
            size *= 4
        }
    }

    /// `readLink(at:_:displayPath:)` for the sampler's links (cwd, exe, ns/*): into a buffer the
    /// caller reuses (grown when a link does not fit), the name a literal passed to the kernel as
    /// it is. Returns the link's length. No allocation per link: a sample of 10,000 processes
    /// reads 110,000 of them.
    public static func readLink(at directory: FileDescriptor, _ name: StaticString, displayPath: @autoclosure () -> String,
                                into buffer: inout [UInt8]) throws(SystemCallError) -> Int {
        let cName = UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)  // literals end in NUL
        if buffer.count < 4096 { buffer = [UInt8](repeating: 0, count: 4096) }
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in
                retrying { readlinkat(directory.rawValue, cName, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count) }
            }
            if n < 0 { throw lastError("readlink", displayPath()) }
            if n < buffer.count { return n }
            guard buffer.count < procFileLimit else {
                throw SystemCallError(operation: "readlink (over \(procFileLimit >> 20) MiB)", path: displayPath(), errno: .fileTooLarge)
            }
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
    }

    /// True when `name` below `directory` exists (used to tell a vanished process from a missing file).
    public static func exists(at directory: FileDescriptor, _ name: String) -> Bool {
        name.withCString { cName in retrying { faccessat(directory.rawValue, cName, F_OK, 0) } } == 0
    }

    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`), the unit of stat's start time.
    public static func clockTicksPerSecond() -> Int {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? ticks : 100
    }

    /// Owner, group and mode of a file as seen from `root` (a directory, e.g. `/proc/<pid>/root`),
    /// resolved by the kernel inside that root. nil when the file does not exist there.
    public static func statusInRoot(_ root: String, _ path: String) throws(SystemCallError) -> FileStatus? {
        try withRoot(root) { rootFD throws(SystemCallError) in try statusInRoot(rootFD, root, path) }
    }

    /// Opens `root` (O_PATH directory) for lookups resolved inside it, and closes it after `body`.
    public static func withRoot<T>(_ root: String, _ body: (FileDescriptor) throws(SystemCallError) -> T) throws(SystemCallError) -> T {
        let rootFD = retrying { isotrace_open_path_directory(root) }
        guard rootFD >= 0 else { throw lastError("open", root) }
        defer { _ = close(rootFD) }
        return try body(FileDescriptor(rawValue: rootFD))
    }

    /// `statusInRoot` through a root already opened by `withRoot`.
    public static func statusInRoot(_ rootFD: FileDescriptor, _ root: String, _ path: String) throws(SystemCallError) -> FileStatus? {
        let relative = path.hasPrefix("/") ? String(path.drop(while: { $0 == "/" })) : path
        let fd = retrying { isotrace_open_in_root(rootFD.rawValue, relative.isEmpty ? "." : relative) }
        guard fd >= 0 else {
            let error = Errno(rawValue: errno)
            if error == .noSuchFileOrDirectory || error == .notDirectory { return nil }
            throw SystemCallError(operation: "openat2", path: root + "/" + relative, errno: error)
        }
        defer { _ = close(fd) }
        var info = stat()
        guard retrying({ fstat(fd, &info) }) == 0 else { throw lastError("fstat", root + "/" + relative) }
        let acl = retrying { isotrace_has_access_acl(fd) }
        return FileStatus(uid: info.st_uid, gid: info.st_gid, mode: info.st_mode, hasACL: acl > 0)
    }

    /// Reads at most `limit` bytes of a regular file as seen from `root`, resolved inside it
    /// like `statusInRoot`. nil when the file does not exist there.
    public static func readInRoot(_ root: String, _ path: String, limit: Int) throws(SystemCallError) -> (FileStatus, [UInt8])? {
        let rootFD = retrying { isotrace_open_path_directory(root) }
        guard rootFD >= 0 else { throw lastError("open", root) }
        defer { _ = close(rootFD) }
        let relative = String(path.drop(while: { $0 == "/" }))
        let display = root + "/" + relative
        let fd = retrying { isotrace_open_in_root_for_reading(rootFD, relative.isEmpty ? "." : relative) }
        guard fd >= 0 else {
            let error = Errno(rawValue: errno)
            if error == .noSuchFileOrDirectory || error == .notDirectory { return nil }
            throw SystemCallError(operation: "openat2", path: display, errno: error)
        }
        defer { _ = close(fd) }
        var info = stat()
        guard retrying({ fstat(fd, &info) }) == 0 else { throw lastError("fstat", display) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SystemCallError(operation: "read", path: display, errno: .invalidArgument)
        }
        var bytes = [UInt8](repeating: 0, count: min(limit, max(Int(info.st_size), 0)))
        var used = 0
        while used < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in retrying { Glibc.read(fd, raw.baseAddress! + used, raw.count - used) } }
            if n < 0 { throw lastError("read", display) }
            if n == 0 { break }
            used += n
        }
        let status = FileStatus(uid: info.st_uid, gid: info.st_gid, mode: info.st_mode, hasACL: retrying { isotrace_has_access_acl(fd) } > 0)
        return (status, Array(bytes[0..<used]))
    }
}

/// A directory of a proc root, opened by `openProcRoot` or `openProcDirectory`.
public struct ProcDirectory: Sendable {
    public let fd: FileDescriptor
    /// The kernel's procfs, reached from a procfs root without crossing a mount or following a
    /// link: the files below it are procfs's own. Set only by `Syscalls`.
    public let kernelOwned: Bool

    fileprivate init(fd: FileDescriptor, kernelOwned: Bool) {
        self.fd = fd
        self.kernelOwned = kernelOwned
    }
}

/// The parts of stat(2) the checks need.
public struct FileStatus: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var mode: UInt32
    public var hasACL: Bool

    public init(uid: UInt32, gid: UInt32, mode: UInt32, hasACL: Bool) {
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.hasACL = hasACL
    }
}
