/// Why the index could not be used or built. Problems with single lines are not errors (see
/// `IndexProblem`): the rest of the segments still count.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    /// DIR/records does not exist: nothing was ever recorded there.
    case noRecords(path: String)
    case unreadable(path: String, reason: String)
    case database(path: String, reason: String)

    public var description: String {
        switch self {
        case .noRecords(let path): return "\(path): no such directory (no records were written there)"
        case .unreadable(let path, let reason): return "\(path): \(reason)"
        case .database(let path, let reason): return "\(path): \(reason)"
        }
    }
}

/// A segment line that was not indexed, and why (not valid JSON, not a record, seq out of
/// order). `isotrace verify` says whether the chain is intact; the index only skips the line.
public struct IndexProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int64
    public var reason: String

    public var description: String { "\(file):\(line): \(reason)" }
}

/// What an update did: how many records it indexed, which lines it skipped, and whether the
/// index had to be moved aside and rebuilt (`notices`, for stderr).
public struct IndexUpdateReport: Equatable, Sendable {
    public var indexedRecords = 0
    /// Of `indexedRecords`, those taken from the writer's records (`RecordIndex.update(written:)`),
    /// not read back from the segments.
    public var takenFromWriter = 0
    public var lastSeq: Int64?
    public var problems: [IndexProblem] = []
    public var notices: [String] = []
    /// True when the whole index was built from the segments in this call.
    public var rebuilt = false
}
