/// The head of a chain: the seq of its last complete record and the SHA-256 of that record's line
/// (hex, exactly as the next record's `prev` hashes it). The empty chain has seq 0 and 64 zeros.
///
/// As JSON (`json`, in `heartbeat` records under `chain_head`, in the daemon's syslog `chain_head`
/// messages, in `verify --anchors` files) it is `{"seq": N, "sha256": "<64 hex>"}`: two stable keys.
/// A head copied off the node (syslog, the central store) is an anchor: a chain that no longer
/// holds a line of that seq hashing to that value was cut back or rewritten.
/// `segment` is the writer's own note (the next record never goes to an older segment); it is not
/// part of the JSON.
public struct ChainHead: Sendable, Equatable {
    public var seq: Int64
    public var lineHash: String
    public var segment: String?

    public static let empty = ChainHead(seq: 0, lineHash: Record.genesisPrev, segment: nil)
    /// The body key of the records that carry the head before them (`RecordBody.carryingChainHead`).
    public static let bodyKey = "chain_head"
    /// What `json` holds, for error messages.
    public static let shape = "{\"seq\": integer >= 0, \"sha256\": 64 lowercase hex digits}"

    public init(seq: Int64, lineHash: String, segment: String? = nil) {
        self.seq = seq
        self.lineHash = lineHash
        self.segment = segment
    }

    /// The head a record of `seq` continues: seq - 1 and the record's own `prev`.
    public init(before seq: Int64, prev: String) {
        self.init(seq: seq - 1, lineHash: prev)
    }

    /// `{"seq": N, "sha256": "..."}`.
    public var json: JSONValue {
        .object([
            JSONMember("seq", JSONValue(exactly: seq) ?? .null),
            JSONMember("sha256", .string(lineHash)),
        ])
    }

    /// The head in `value` (an object with `seq` and `sha256` of the right shape; other members
    /// are ignored, so a syslog body that carries them flat is read too). Nil when not well formed.
    public init?(json value: JSONValue) {
        guard let seq = value["seq"]?.integerValue, seq >= 0,
              let hash = value["sha256"]?.stringValue, Hex.isSHA256(hash) else { return nil }
        self.init(seq: seq, lineHash: hash)
    }

    /// Whether both name the same line (seq and hash; `segment` aside).
    public func names(sameLineAs other: ChainHead) -> Bool {
        seq == other.seq && lineHash == other.lineHash
    }
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
