import Policy

/// What a record says, before the chain writer adds the envelope (seq, time, node, prev, key_id)
/// and signs it.
public struct RecordBody: Sendable {
    public var type: RecordType
    public var members: [JSONMember]

    public init(type: RecordType, members: [JSONMember]) {
        self.type = type
        self.members = members
    }

    /// An `audit` record: the whole audit, exactly as `isotrace audit --format json` prints it.
    public static func audit(_ result: AuditResult) throws -> RecordBody {
        RecordBody(type: .audit, members: [
            JSONMember("audit", try JSONValue(encoding: result)),
            JSONMember("sampler", .string(result.snapshot.sampler.rawValue)),
        ])
    }

    /// A `recovery` record naming the file a partial last line was moved to.
    public static func recovery(partialFile: String, partialBytes: Int) -> RecordBody {
        RecordBody(type: .recovery, members: [
            JSONMember("partial_file", .string(partialFile)),
            JSONMember("partial_bytes", JSONValue(exactly: Int64(partialBytes)) ?? .null),
        ])
    }
}
