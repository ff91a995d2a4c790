/// The last complete record of the chain: its seq, the hash of its line (the next `prev`) and the
/// segment holding it (the next record never goes to an older segment). The empty chain has seq 0.
public struct ChainHead: Sendable, Equatable {
    public var seq: Int64
    public var lineHash: String
    public var segment: String?

    public static let empty = ChainHead(seq: 0, lineHash: Record.genesisPrev, segment: nil)
}

/// A record made durable by the writer: its seq and the segment file (path) holding it.
public struct AppendedRecord: Sendable, Equatable {
    public var seq: Int64
    public var file: String
}

/// A partial last line the writer moved aside before continuing the chain.
public struct RecoveredPartial: Sendable, Equatable {
    /// The `.partial` file (path) now holding the bytes.
    public var file: String
    public var bytes: Int
    /// The `recovery` record that names it.
    public var record: AppendedRecord
}
