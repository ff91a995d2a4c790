/// The proc root as a whole cannot be sampled (missing, not a proc tree, no boot time).
/// Unlike a problem with one process, this stops the sample: nothing could be trusted.
public struct ProcRootError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
