import SystemPackage

/// The one error type for a failed system call, with the context a reader needs to act on it:
/// which call, on which file, for which process, at which line of that file.
///
/// Every call in `Syscalls` throws only this type, so callers can tell "the process is gone"
/// from "permission denied" from "the file does not exist", and add the PID or line they know.
public struct SystemCallError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call that failed, e.g. `open`, `read`, `readlink`.
    public var operation: String
    /// The path the call was about, as the user would type it (`/proc/4242/status`).
    public var path: String
    /// The errno the kernel returned.
    public var errno: Errno
    /// The process the call was about, when the caller knows it.
    public var pid: Int32?
    /// The 1-based line of `path` being read, when the caller knows it.
    public var line: Int?

    public init(operation: String, path: String, errno: Errno, pid: Int32? = nil, line: Int? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.pid = pid
        self.line = line
    }

    /// The same error with the process it concerned.
    public func about(pid: Int32) -> SystemCallError {
        var copy = self
        copy.pid = pid
        return copy
    }

    /// The same error at `line` of its file.
    public func at(line: Int) -> SystemCallError {
        var copy = self
        copy.line = line
        return copy
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

    /// `path[:line]: [pid P: ]operation failed: strerror`.
    public var description: String {
        // ELOOP almost always comes from the state directory's opens, which follow no link.
        let link = errno == .tooManySymbolicLinkLevels ? " (a symbolic link where isotrace follows none)" : ""
        return "\(path)\(line.map { ":\($0)" } ?? ""): \(pid.map { "pid \($0): " } ?? "")\(operation) failed: \(errno)\(link)"
    }
}
