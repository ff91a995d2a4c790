import Base
import SystemPackage

/// Why a field of a process sample is missing: the values of `ProcessSample.unavailable`, keyed
/// by field name. The snapshot writes each as its `description` (that text is the JSON
/// contract); code asks `isRefused` or `isAbsent` instead of reading the text.
public enum UnavailableReason: Sendable, Hashable, CustomStringConvertible {
    /// The kernel refused the read (EACCES or EPERM): hidepid, another uid's entries.
    case refused(Errno)
    /// Nothing behind the file (ENOENT), or the task is gone from it (ESRCH), while the process
    /// itself is still there (a kernel thread's environ, a fixture without the file).
    case absent(Errno)
    /// Any other failure of the call `operation`.
    case failed(operation: String, errno: Errno)
    /// The file was read but did not parse: the parser's reason, with its line.
    case malformed(String)
    /// Normally absent: a kernel thread has no memory map (exe, environ, cwd).
    case kernelThread
    /// Normally absent: a zombie has released its memory map.
    case zombie

    /// The reason for a field whose read failed with `error`.
    public init(_ error: SystemCallError) {
        switch error.errno {
        case .permissionDenied, .notPermitted: self = .refused(error.errno)
        case .noSuchFileOrDirectory, .noSuchProcess: self = .absent(error.errno)
        default: self = .failed(operation: error.operation, errno: error.errno)
        }
    }

    /// Refused by the kernel: the process counts as unreadable.
    public var isRefused: Bool {
        if case .refused = self { return true }
        return false
    }

    /// Not there: for a kernel thread or a zombie that is its normal state.
    public var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }

    /// The text in the snapshot's `unavailable` map, e.g. "permission denied (EACCES)".
    public var description: String {
        switch self {
        case .refused(let errno), .absent(let errno):
            return SystemCallError(operation: "", path: "", errno: errno).reason
        case .failed(let operation, let errno):
            return SystemCallError(operation: operation, path: "", errno: errno).reason
        case .malformed(let reason): return "malformed: \(reason)"
        case .kernelThread: return "none (kernel thread)"
        case .zombie: return "none (zombie)"
        }
    }
}
