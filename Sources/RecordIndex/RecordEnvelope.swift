import Records

/// The record lines as the index reads them: the envelope (Records' `DecodedRecord`) with the body
/// keys the index takes facts from. Signatures and the chain are not checked here: that is
/// `isotrace verify`'s job; the index only has to say which line proves which fact.
typealias RecordEnvelope = DecodedRecord<IndexedBody>

/// The body keys the index reads (DESIGN.md "Records"), whatever the record's type.
struct IndexedBody: Decodable {
    /// `audit` records: the whole `isotrace audit --format json` document.
    var audit: AuditDocument?
    /// `process` / `exit` records (daemon): one process with first_seen / last_seen.
    var process: RecordedProcess?
    /// `process` / `exit` records of the event source: the processes of one job seen between samples.
    var processes: [RecordedProcess]?
    /// `finding` records (daemon): the job the verdict is about, and the verdict.
    var pandaID: LenientString?
    var finding: RecordedFindingFacts?

    enum CodingKeys: String, CodingKey {
        case audit, process, processes, pandaID = "panda_id", finding, shared
    }

    init(audit: AuditDocument? = nil, process: RecordedProcess? = nil, processes: [RecordedProcess]? = nil, pandaID: LenientString? = nil,
         finding: RecordedFindingFacts? = nil) {
        self.audit = audit
        self.process = process
        self.processes = processes
        self.pandaID = pandaID
        self.finding = finding
    }

    /// As synthesized, and `processes` entries with the members of `shared` they do not have
    /// themselves (`SharedEntryMembers`; a null `shared` is none).
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        audit = try container.decodeIfPresent(AuditDocument.self, forKey: .audit)
        process = try container.decodeIfPresent(RecordedProcess.self, forKey: .process)
        if container.contains(.shared), try !container.decodeNil(forKey: .shared), container.contains(.processes),
           try !container.decodeNil(forKey: .processes) {
            let shared = try container.nestedContainer(keyedBy: RecordedProcess.CodingKeys.self, forKey: .shared)
            var entries = try container.nestedUnkeyedContainer(forKey: .processes)
            var processes: [RecordedProcess] = []
            while !entries.isAtEnd {
                processes.append(try RecordedProcess(from: try entries.superDecoder(), shared: shared))
            }
            self.processes = processes
        } else {
            processes = try container.decodeIfPresent([RecordedProcess].self, forKey: .processes)
        }
        pandaID = try container.decodeIfPresent(LenientString.self, forKey: .pandaID)
        finding = try container.decodeIfPresent(RecordedFindingFacts.self, forKey: .finding)
    }
}

/// What the ingester takes from a record, however it was read: decoded from its line or the
/// writer's values (`RecordLine.decode`), or read from those values (`RecordValueReader`).
struct IndexedEnvelope {
    var seq: Int64
    var type: RecordType
    /// The record's `time` as it holds it.
    var time: String
    var node: RecordNode?
    var body: IndexedBody

    init(seq: Int64, type: RecordType, time: String, node: RecordNode?, body: IndexedBody) {
        self.seq = seq
        self.type = type
        self.time = time
        self.node = node
        self.body = body
    }

    init(_ decoded: RecordEnvelope) {
        self.init(seq: decoded.seq, type: decoded.type, time: decoded.time, node: decoded.node, body: decoded.body)
    }

    /// What a `process`, `exit` or `audit` record the writer has just signed states, from the
    /// facts its body handed over (`RecordBody.processFacts`, `auditFacts`) and the record's own
    /// fields, without reading its values: the same envelope `RecordValueReader` reads from them
    /// (a process record's processes all in `processes`, which the ingester reads as it reads
    /// `process` before them). Nil when the body handed nothing over, or states something only
    /// its values say exactly (an integer beyond 2^53, a pilot's null start_ticks): the ingester
    /// then reads the values.
    init?(handedOver record: Record) {
        if record.body.type == .audit, let facts = record.body.auditFacts {
            guard let audit = AuditDocument(handedOver: facts) else { return nil }
            var body = IndexedBody()
            body.audit = audit
            self.init(seq: record.seq, type: .audit, time: record.time.description, node: record.node, body: body)
            return
        }
        guard let facts = record.body.processFacts, record.body.type == .process || record.body.type == .exit else { return nil }
        var processes: [RecordedProcess] = []
        processes.reserveCapacity(facts.count)
        for fact in facts {
            guard let process = RecordedProcess(handedOver: fact) else { return nil }
            processes.append(process)
        }
        let body = IndexedBody(processes: processes)
        self.init(seq: record.seq, type: record.body.type, time: record.time.description, node: record.node, body: body)
    }
}
