import GRDB

/// One finding as a record states it: which rule, verdict and process, for which job (null for
/// node findings), seen at which time.
public struct RecordedFinding: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "finding"

    public var recordSeq: Int64
    public var seen: Int64
    public var pandaID: String?
    public var rule: String
    public var status: String
    public var severity: String?
    public var pid: Int64?
    public var message: String?
    /// The evidence object as JSON with sorted keys.
    public var evidence: String?

    enum CodingKeys: String, CodingKey {
        case recordSeq = "record_seq", seen, pandaID = "panda_id", rule, status, severity, pid, message, evidence
    }

    public enum Columns {
        public static let recordSeq = Column(CodingKeys.recordSeq)
        public static let seen = Column(CodingKeys.seen)
        public static let pandaID = Column(CodingKeys.pandaID)
    }
}
