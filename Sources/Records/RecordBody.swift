/// What a record says, before the chain writer adds the envelope (seq, time, node, prev, key_id)
/// and signs it.
public struct RecordBody: Sendable {
    public var type: RecordType
    public var members: [JSONMember]

    public init(type: RecordType, members: [JSONMember]) {
        self.type = type
        self.members = members
    }

    /// A `recovery` record naming the file a partial last line was moved to.
    public static func recovery(partialFile: String, partialBytes: Int) -> RecordBody {
        RecordBody(type: .recovery, members: [
            JSONMember("partial_file", .string(partialFile)),
            JSONMember("partial_bytes", JSONValue(exactly: Int64(partialBytes)) ?? .null),
        ])
    }
}
