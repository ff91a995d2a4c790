/// The body of a `checkpoint` record: written by `isotrace prune` just before it removes whole old
/// segments, so that what remains still verifies and the gap is accounted for, not hidden.
///
/// `head_seq`/`head_hash` are the chain head when the checkpoint was written; `first_kept_seq` and
/// `first_kept_prev` say where the remaining chain starts (the seq of its first record and that
/// record's `prev`, the SHA-256 of the last removed line). Each removed segment is listed with its
/// records, size and SHA-256, so an archived copy can be matched and re-joined to the chain.
public struct Checkpoint: Sendable, Equatable {
    /// One removed segment file.
    public struct RemovedSegment: Sendable, Equatable {
        public var name: String
        public var records: Int
        public var bytes: Int64
        public var sha256: String
        public var firstSeq: Int64
        public var lastSeq: Int64
    }

    /// Why: the retention period as given (`180d`) and the first UTC date kept (`2026-05-30`).
    public var olderThan: String
    public var keptFromDate: String
    public var headSeq: Int64
    public var headHash: String
    public var firstKeptSeq: Int64
    public var firstKeptPrev: String
    public var removed: [RemovedSegment]
    /// `.partial` files (moved aside by recovery) of the removed segments, removed with them.
    public var removedPartialFiles: [String]

    public var body: RecordBody {
        func integer(_ value: Int64) -> JSONValue { JSONValue(exactly: value) ?? .null }
        let segments = removed.map { segment in
            JSONValue.object([
                JSONMember("segment", .string(segment.name)),
                JSONMember("records", integer(Int64(segment.records))),
                JSONMember("bytes", integer(segment.bytes)),
                JSONMember("sha256", .string(segment.sha256)),
                JSONMember("first_seq", integer(segment.firstSeq)),
                JSONMember("last_seq", integer(segment.lastSeq)),
            ])
        }
        return RecordBody(type: .checkpoint, members: [JSONMember("checkpoint", .object([
            JSONMember("reason", .string("prune")),
            JSONMember("older_than", .string(olderThan)),
            JSONMember("kept_from_date", .string(keptFromDate)),
            JSONMember("head_seq", integer(headSeq)),
            JSONMember("head_hash", .string(headHash)),
            JSONMember("first_kept_seq", integer(firstKeptSeq)),
            JSONMember("first_kept_prev", .string(firstKeptPrev)),
            JSONMember("removed_segments", .array(segments)),
            JSONMember("removed_partial_files", .array(removedPartialFiles.map(JSONValue.string))),
        ]))])
    }

    /// Where a checkpoint record says the remaining chain starts; nil when the record is not a
    /// well-formed checkpoint.
    public static func start(in record: JSONValue) -> (seq: Int64, prev: String)? {
        guard record["type"]?.stringValue == RecordType.checkpoint.rawValue,
              let checkpoint = record["checkpoint"],
              let seq = checkpoint["first_kept_seq"]?.integerValue,
              let prev = checkpoint["first_kept_prev"]?.stringValue else { return nil }
        return (seq, prev)
    }
}
