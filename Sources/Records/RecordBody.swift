/// What a record says, before the chain writer adds the envelope (seq, time, node, prev, key_id)
/// and signs it.
///
/// Its members are held either as values (`JSONMember`: small bodies, the event entries) or as
/// canonical bytes (`CanonicalMember`: the daemon's large `process` and `audit` bodies, written
/// into the record line as they are). `members` gives the values either way, read back from the
/// bytes when the body holds bytes; the signed line is the same.
public struct RecordBody: Sendable {
    public var type: RecordType
    /// The body's members as values.
    public var members: [JSONMember] {
        get {
            switch content {
            case .values(let members): return members
            case .canonical(let members): return members.map { JSONMember($0.key, $0.jsonValue) }
            }
        }
        set {
            content = .values(newValue)
            processFacts = nil
            auditFacts = nil
        }
    }
    /// What every process object the body states says, typed, in the body's order: one element
    /// for a single `process`, one per entry of a `processes` array (process and exit entries
    /// alike). Set by the builder of the body from the values it wrote, so equal to them by
    /// construction; cleared when `members` is replaced. Nil: not handed over, readers (the
    /// index) read the members.
    public private(set) var processFacts: [ProcessFacts]?
    /// For an `audit` record: what its AUDIT states that the index reads, typed (set by the
    /// builder of the body from the same audit; cleared when `members` is replaced). Nil: not
    /// handed over, readers read the members.
    public private(set) var auditFacts: AuditFacts?
    /// Whether the record also carries `chain_head`: the chain head just before it (seq - 1 and
    /// the SHA-256 of the line before, its `prev`). Only the writer knows that head when it signs,
    /// so the body asks for it and `Record` fills it in.
    public var carriesChainHead: Bool

    private enum Content: Sendable {
        case values([JSONMember])
        case canonical([CanonicalMember])
    }

    private var content: Content

    /// A body of members as values, and what its process objects state (`processFacts`).
    public init(type: RecordType, members: [JSONMember], processFacts: [ProcessFacts]? = nil, carriesChainHead: Bool = false) {
        self.type = type
        self.content = .values(members)
        self.processFacts = processFacts
        self.carriesChainHead = carriesChainHead
    }

    /// A body of members already in canonical bytes, and what its process objects or its audit
    /// state (`processFacts`, `auditFacts`).
    public init(type: RecordType, canonicalMembers: [CanonicalMember], processFacts: [ProcessFacts]? = nil, auditFacts: AuditFacts? = nil,
                carriesChainHead: Bool = false) {
        self.type = type
        self.content = .canonical(canonicalMembers)
        self.processFacts = processFacts
        self.auditFacts = auditFacts
        self.carriesChainHead = carriesChainHead
    }

    /// The members as canonical bytes, in the body's order: as held, or written from the values.
    public func canonicalMembers() throws(ECMAScriptNumber.NonFiniteError) -> [CanonicalMember] {
        switch content {
        case .canonical(let members): return members
        case .values(let members):
            var rendered: [CanonicalMember] = []
            rendered.reserveCapacity(members.count)
            for member in members { rendered.append(try CanonicalMember(member.key, member.value)) }
            return rendered
        }
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
