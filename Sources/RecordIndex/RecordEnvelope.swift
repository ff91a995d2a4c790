/// The parts of one segment line that the index reads (DESIGN.md "Records"). Signatures and the
/// chain are not checked here: that is `isotrace verify`'s job; the index only has to say which
/// line proves which fact.
struct RecordEnvelope: Decodable {
    var version: Int?
    var type: String
    var seq: Int64
    var time: String
    var node: RecordNode?
    /// `audit` records: the whole `isotrace audit --format json` document.
    var audit: AuditDocument?
    /// `process` / `exit` records (daemon): one process with first_seen / last_seen.
    var process: RecordedProcess?
    var keyID: String?
    /// `finding` records (daemon): the job the verdict is about, and the verdict.
    var pandaID: LenientString?
    var finding: RecordedFindingFacts?

    enum CodingKeys: String, CodingKey {
        case version = "v", type, seq, time, node, audit, process, keyID = "key_id", pandaID = "panda_id", finding
    }
}

/// The node a record was written on.
struct RecordNode: Decodable {
    var hostname: String?
    var bootID: String?
    var machineID: String?

    enum CodingKeys: String, CodingKey {
        case hostname, bootID = "boot_id", machineID = "machine_id"
    }
}
