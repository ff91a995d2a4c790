/// A file or directory that cannot be used as it is: its path and why, printed "path: reason".
/// Each kind of failure stays its own type (`UnsafeStateDirectory`, and in the targets above
/// `ProcRootError`, `ChainError`, `KeyError`: each a `PathError` of its own `PathErrorKind`), so
/// callers and tests still tell them apart, while the shape is written once.
public struct PathError<Kind: PathErrorKind>: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)\(Kind.consequence)" }
}

/// Marks one kind of `PathError`; the kind's doc comment says when it is thrown.
public protocol PathErrorKind: Sendable {
    /// Said after the reason, e.g. "; refusing to use it" (empty by default).
    static var consequence: String { get }
}

extension PathErrorKind {
    public static var consequence: String { "" }
}
