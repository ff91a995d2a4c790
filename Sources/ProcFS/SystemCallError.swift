import SystemPackage

/// A failed system call, with the context a reader needs to act on it: which call, on which
/// file, for which process.
///
/// Every syscall in ProcFS goes through `Syscalls`, which throws only this type, so callers can
/// tell "the process is gone" from "permission denied" from "the file does not exist".
public struct SystemCallError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call that failed, e.g. `open`, `read`, `readlink`.
    public var operation: String
    /// The path the call was about, as the user would type it (`/proc/4242/status`).
    public var path: String
    /// The errno the kernel returned.
    public var errno: Errno

    public init(operation: String, path: String, errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// True when the kernel says the object is not there (ENOENT) or the task is dead (ESRCH).
    public var isNotFound: Bool { errno == .noSuchFileOrDirectory || errno == .noSuchProcess }

    /// True when access was refused (EACCES, EPERM), e.g. another user's entries under hidepid.
    public var isPermissionDenied: Bool { errno == .permissionDenied || errno == .notPermitted }

    /// A short reason for a field that could not be read, e.g. "permission denied (EACCES)".
    public var reason: String {
        switch errno {
        case .permissionDenied: return "permission denied (EACCES)"
        case .notPermitted: return "operation not permitted (EPERM)"
        case .noSuchFileOrDirectory: return "missing (ENOENT)"
        case .noSuchProcess: return "process gone (ESRCH)"
        default: return "\(operation) failed: \(errno)"
        }
    }

    public var description: String { "\(path): \(operation) failed: \(errno)" }
}
