import Glibc
import SystemPackage

/// The only place isotrace talks to the kernel (the C shims aside: CProcShim's openat2, prctl
/// and capset wrappers are called from here; libbpf and libseccomp from ProcFS and Agent).
/// Each call retries EINTR and turns errno into a `SystemCallError` naming the operation and
/// path, so the layers above never see a raw errno.
///
/// The calls are grouped by what they touch: files (`Syscalls+Files`), /proc and other
/// processes' roots (`Syscalls+Proc`), the process itself, its signals and sockets
/// (`Syscalls+Process`).
public enum Syscalls {
    /// Calls `call` again while it fails with EINTR (a signal arrived before it did anything).
    @inline(__always)
    static func retrying<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result < 0 && errno == EINTR { continue }
            return result
        }
    }

    /// The error for a call that just failed: errno as the kernel left it.
    static func lastError(_ operation: String, _ path: String) -> SystemCallError {
        SystemCallError(operation: operation, path: path, errno: Errno(rawValue: errno))
    }
}
