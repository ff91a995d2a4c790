#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CProcShim
import ProcFS
import SystemPackage

/// The only place Agent talks to the kernel directly: files for metrics and the daemon lock, the
/// syslog socket, signals, prctl and capset. Each call retries EINTR and throws ProcFS's
/// `SystemCallError` naming the call and path, as the other layers do.
enum Syscalls {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(SystemCallError) -> Int32 {
        let fd = retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw error("open", path) }
        return fd
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemCallError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in retrying { Glibc.write(fd, raw.baseAddress! + written, bytes.count - written) } }
            if n < 0 { throw error("write", path) }
            if n == 0 { throw SystemCallError(operation: "write", path: path, errno: .noSpace) }
            written += n
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(SystemCallError) {
        guard retrying({ Glibc.fsync(fd) }) == 0 else { throw error("fsync", path) }
    }

    static func truncate(_ fd: Int32, path: String) throws(SystemCallError) {
        guard retrying({ ftruncate(fd, 0) }) == 0 else { throw error("ftruncate", path) }
    }

    static func rename(_ from: String, _ to: String) throws(SystemCallError) {
        guard retrying({ Glibc.rename(from, to) }) == 0 else { throw error("rename", to) }
    }

    static func unlink(_ path: String) { _ = Glibc.unlink(path) }

    static func makeDirectory(_ path: String, mode: mode_t) throws(SystemCallError) {
        if retrying({ mkdir(path, mode) }) == 0 || errno == EEXIST { return }
        throw error("mkdir", path)
    }

    /// Reads up to 4 KiB of a small file (the lock file's PID).
    static func readSmall(_ fd: Int32, path: String) throws(SystemCallError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { raw in retrying { pread(fd, raw.baseAddress!, raw.count, 0) } }
        guard n >= 0 else { throw error("read", path) }
        return Array(buffer[0..<n])
    }

    /// flock(LOCK_EX | LOCK_NB): false when another process holds it.
    static func tryLock(_ fd: Int32, path: String) throws(SystemCallError) -> Bool {
        if retrying({ flock(fd, LOCK_EX | LOCK_NB) }) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw error("flock", path)
    }

    /// A unix datagram socket (close-on-exec, non-blocking sends are chosen per call).
    static func datagramSocket(path: String) throws(SystemCallError) -> Int32 {
        let fd = retrying { socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        guard fd >= 0 else { throw error("socket", path) }
        return fd
    }

    static func connect(_ fd: Int32, unixPath path: String) throws(SystemCallError) {
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
                retrying { Glibc.connect(fd, raw, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        guard result == 0 else { throw error("connect", path) }
    }

    /// One datagram, never blocking (a stuck syslog daemon must not stall the cycle).
    static func send(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemCallError) {
        let n = bytes.withUnsafeBytes { raw in retrying { Glibc.send(fd, raw.baseAddress!, raw.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) } }
        guard n >= 0 else { throw error("send", path) }
    }

    static func prctl(_ option: Int32, _ a2: UInt = 0, _ a3: UInt = 0, _ a4: UInt = 0, _ a5: UInt = 0) throws(SystemCallError) -> Int32 {
        let result = retrying { isotrace_prctl(option, a2, a3, a4, a5) }
        guard result >= 0 else { throw error("prctl", "option \(option)") }
        return result
    }

    static func capset(effective: UInt64, permitted: UInt64, inheritable: UInt64) throws(SystemCallError) {
        guard retrying({ isotrace_capset(effective, permitted, inheritable) }) == 0 else { throw error("capset", "self") }
    }

    /// Blocks `signals` in the calling thread (and the threads it starts later).
    static func blockSignals(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits up to `milliseconds` for one of `signals` (which must be blocked); nil on timeout.
    static func waitForSignal(_ signals: [Int32], milliseconds: Int64) -> Int32? {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        var timeout = timespec(tv_sec: Int(max(0, milliseconds) / 1000), tv_nsec: Int(max(0, milliseconds) % 1000) * 1_000_000)
        let result = sigtimedwait(&set, nil, &timeout)
        return result > 0 ? result : nil
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
