import Glibc
import CProcShim
import SystemPackage

/// The process itself: its identity, clocks, signals, capabilities (prctl, capset), the syslog
/// socket, and the probes that check the daemon's seccomp filter really refuses what it must.
extension Syscalls {
    /// getpid(2).
    public static func processID() -> Int32 { getpid() }

    /// getcwd(3): the working directory, or "" when it cannot be named (removed, too long).
    public static func currentDirectory() -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(PATH_MAX) + 1) { buffer in
            getcwd(buffer.baseAddress!, buffer.count) == nil ? "" : String(cString: buffer.baseAddress!)
        }
    }

    /// The running binary: /proc/self/exe (the kernel resolves it; argv[0] is only "isotrace"
    /// when the binary was found through PATH), else argv[0] made canonical (`realPath`).
    public static func executablePath() -> String? {
        if let target = try? readLink(at: nil, "/proc/self/exe", displayPath: "/proc/self/exe") {
            return String(decoding: target, as: UTF8.self)
        }
        return realPath(CommandLine.arguments[0])
    }

    /// geteuid(2).
    public static func effectiveUserID() -> uid_t { geteuid() }

    /// CLOCK_MONOTONIC in milliseconds: for intervals, never for times written down.
    public static func monotonicMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// CLOCK_BOOTTIME and, read just after, CLOCK_REALTIME, in nanoseconds: together they turn a
    /// time on the BPF programs' clock (CLOCK_BOOTTIME) into a UTC time.
    public static func bootAndRealTime() -> (bootNanoseconds: UInt64, realNanoseconds: Int64) {
        var boot = timespec(), real = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        clock_gettime(CLOCK_REALTIME, &real)
        return (UInt64(boot.tv_sec) * 1_000_000_000 + UInt64(boot.tv_nsec), Int64(real.tv_sec) * 1_000_000_000 + Int64(real.tv_nsec))
    }

    /// When this boot began, in milliseconds since the epoch: CLOCK_REALTIME less CLOCK_BOOTTIME
    /// (btime in /proc/stat is the same difference, cut to whole seconds).
    public static func bootInstantMilliseconds() -> Int64 {
        let clocks = bootAndRealTime()
        return (clocks.realNanoseconds - Int64(clocks.bootNanoseconds)) / 1_000_000
    }

    /// Sleeps `milliseconds` (nanosleep(2), resumed after a signal).
    public static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// True when `fd` is a terminal (isatty(3)).
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// kill(2) of a process this tool started; errors are the caller's to ignore or report.
    public static func sendSignal(_ signal: Int32, to pid: Int32) throws(SystemCallError) {
        guard Glibc.kill(pid, signal) == 0 else { throw lastError("kill", "pid \(pid)") }
    }

    /// killpg(2): every process of the group `pgid` leads.
    public static func sendSignal(_ signal: Int32, toGroup pgid: Int32) throws(SystemCallError) {
        guard killpg(pgid, signal) == 0 else { throw lastError("killpg", "process group \(pgid)") }
    }

    /// prctl(2) through the C shim (the Swift importer cannot call the variadic prctl).
    public static func prctl(_ option: Int32, _ a2: UInt = 0, _ a3: UInt = 0, _ a4: UInt = 0, _ a5: UInt = 0) throws(SystemCallError) -> Int32 {
        let result = retrying { isotrace_prctl(option, a2, a3, a4, a5) }
        guard result >= 0 else { throw lastError("prctl", "option \(option)") }
        return result
    }

    /// capset(2) for the calling thread.
    public static func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64) throws(SystemCallError) {
        guard retrying({ isotrace_capset(effective, permitted, inheritable) }) == 0 else { throw lastError("capset", "self") }
    }

    /// ptrace(PTRACE_ATTACH) of `pid`; nil when it succeeded, else the errno (a seccomp probe).
    public static func ptraceAttach(_ pid: Int32) -> Errno? {
        isotrace_ptrace_attach(pid) == 0 ? nil : Errno(rawValue: errno)
    }

    /// Opens and at once closes a socket of `domain` and `type`: nil when the kernel allowed it,
    /// else the errno (a seccomp probe).
    public static func socketProbe(domain: Int32, type: Int32) -> Errno? {
        let fd = socket(domain, type, 0)
        guard fd >= 0 else { return Errno(rawValue: errno) }
        _ = close(fd)
        return nil
    }

    /// fork(2) (glibc's: clone without CLONE_THREAD); the child exits at once and is reaped.
    /// nil when a process was made, else the errno (a seccomp probe).
    public static func forkProbe() -> Errno? {
        let child = fork()
        if child == 0 { _exit(0) }
        guard child > 0 else { return Errno(rawValue: errno) }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        return nil
    }

    /// A thread started and joined (pthread_create: clone3, else clone with CLONE_THREAD); nil
    /// when it ran, else the error (a seccomp probe).
    public static func threadProbe() -> Errno? {
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { _ in nil }, nil)
        guard created == 0 else { return Errno(rawValue: created) }
        pthread_join(thread, nil)
        return nil
    }

    /// execve(2) of `path` with `arguments` and no environment; returns only when it failed.
    public static func execute(_ path: String, arguments: [String]) -> Errno {
        let pointers = arguments.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        var argv = pointers + [nil]
        _ = execve(path, &argv, nil)
        return Errno(rawValue: errno)
    }

    /// execve(2) of `path` with an argv pointer the kernel rejects (EFAULT) after the seccomp
    /// check: tells whether execve is filtered without ever replacing the process.
    public static func executeWithInvalidArguments(_ path: String) -> Errno {
        let badArgv = UnsafePointer<UnsafeMutablePointer<CChar>?>(bitPattern: 8)!
        _ = execve(path, badArgv, nil)
        return Errno(rawValue: errno)
    }

    /// A unix datagram socket (close-on-exec, non-blocking sends are chosen per call).
    public static func datagramSocket(path: String) throws(SystemCallError) -> FileDescriptor {
        let fd = retrying { socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        guard fd >= 0 else { throw lastError("socket", path) }
        return FileDescriptor(rawValue: fd)
    }

    /// connect(2) to a unix socket path.
    public static func connect(_ fd: FileDescriptor, unixPath path: String) throws(SystemCallError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemCallError(operation: "connect", path: path, errno: .fileNameTooLong)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                retrying { Glibc.connect(fd.rawValue, raw, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        guard result == 0 else { throw lastError("connect", path) }
    }

    /// One datagram, never blocking (a stuck syslog daemon must not stall the cycle).
    public static func send(_ fd: FileDescriptor, _ bytes: [UInt8], path: String) throws(SystemCallError) {
        let n = bytes.withUnsafeBytes { raw in
            retrying { Glibc.send(fd.rawValue, raw.baseAddress!, raw.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) }
        }
        guard n >= 0 else { throw lastError("send", path) }
    }

    /// Waits until `fd` can take a write (poll(2) for POLLOUT), at most `milliseconds`: a
    /// connected unix datagram socket becomes writable when its peer's full queue has room again.
    /// False when the time ran out (or poll failed).
    @discardableResult
    public static func waitWritable(_ fd: FileDescriptor, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd.rawValue, events: Int16(POLLOUT), revents: 0)
        return retrying { Glibc.poll(&entry, 1, milliseconds) } > 0
    }

    /// Blocks `signals` in the calling thread (and the threads it starts later).
    public static func blockSignals(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits up to `milliseconds` for one of `signals` (which must be blocked); nil on timeout.
    public static func waitForSignal(_ signals: [Int32], milliseconds: Int64) -> Int32? {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        var timeout = timespec(tv_sec: Int(max(0, milliseconds) / 1000), tv_nsec: Int(max(0, milliseconds) % 1000) * 1_000_000)
        let result = sigtimedwait(&set, nil, &timeout)
        return result > 0 ? result : nil
    }

    /// Gives freed heap back to the kernel (malloc_trim), after a cycle's peak.
    public static func releaseFreeMemory() { _ = isotrace_release_free_memory() }

    /// Drops the pages of code only start-up ran (madvise), once the first cycle is done.
    public static func releaseStartupCode() { _ = isotrace_release_startup_code() }
}
