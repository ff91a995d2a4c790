/// What a record says, before the chain writer adds the envelope (seq, time, node, prev, key_id)
/// and signs it.
public struct RecordBody: Sendable {
    public var type: RecordType
    public var members: [JSONMember]
    /// Whether the record also carries `chain_head`: the chain head just before it (seq - 1 and
    /// the SHA-256 of the line before, its `prev`). Only the writer knows that head when it signs,
    /// so the body asks for it and `Record` fills it in.
    public var carriesChainHead: Bool

    public init(type: RecordType, members: [JSONMember], carriesChainHead: Bool = false) {
        self.type = type
        self.members = members
        self.carriesChainHead = carriesChainHead
    }

    /// This body, with the chain head before it added when it is signed (`chain_head`).
    public func carryingChainHead() -> RecordBody {
        var body = self
        body.carriesChainHead = true
        return body
    }

    /// A `recovery` record naming the file a partial last line was moved to.
    public static func recovery(partialFile: String, partialBytes: Int) -> RecordBody {
        RecordBody(type: .recovery, members: [
            JSONMember("partial_file", .string(partialFile)),
            JSONMember("partial_bytes", JSONValue(exactly: Int64(partialBytes)) ?? .null),
        ])
    }
}
