/// The chain on disk cannot be appended to as it is (a corrupt last record, a partial line
/// followed by later segments): the writer refuses rather than fork or bury the chain. Names the
/// file and why; `isotrace verify` tells the whole story.
public struct ChainError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
