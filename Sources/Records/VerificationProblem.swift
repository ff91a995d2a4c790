/// One thing wrong with the chain: the segment file, the 1-based line, the record's seq when it
/// could be read, and the reason (bad signature, broken chain, missing seq, reordered, truncated
/// line, unknown key, ...).
public struct VerificationProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var seq: Int64?
    public var reason: String

    public init(file: String, line: Int, seq: Int64?, reason: String) {
        self.file = file
        self.line = line
        self.seq = seq
        self.reason = reason
    }

    public var description: String { "\(file):\(line): seq \(seq.map(String.init) ?? "unknown"): \(reason)" }
}

/// What `verify` found: how much it checked and every problem, in file and line order.
public struct VerificationReport: Sendable {
    public var records = 0
    public var segments = 0
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    public var keyID: String
    public var problems: [VerificationProblem] = []
    /// `.partial` files named by `recovery` records (moved aside, outside the chain).
    public var partialFiles: [String] = []
    /// Seq 1 through this were removed by `isotrace prune`, as the `checkpoint` record at
    /// `checkpointSeq` says; nil for a chain that starts at seq 1.
    public var prunedThrough: Int64?
    public var checkpointSeq: Int64?
    /// The keys the chain was signed with, from the root key (epoch 0) through every
    /// `key_rotation` followed; one entry: a single key (not forward-secure).
    public var epochs: [EpochKeyChain.Epoch] = []
    /// Each anchor given to `verify(anchors:)`, in the order given, with what the chain says of it.
    public var anchors: [AnchorOutcome] = []

    /// No problem in the chain, and no anchored head it no longer holds.
    public var isIntact: Bool { problems.isEmpty && !anchors.contains(where: \.fails) }
}
