import GRDB

/// One record's statement about one PanDA job: its task, pilot identity, verdict and where it ran.
public struct JobSighting: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job_sighting"

    public var recordSeq: Int64
    public var pandaID: String
    public var taskID: String?
    public var pilotBootID: String?
    public var pilotPID: Int64?
    public var pilotStartTicks: Int64?
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var isolated: Bool?
    public var failingRules: [String]?
    public var containerRuntime: String?
    public var containerImage: String?
    public var jobDirectory: String?
    public var batchJobID: String?

    enum CodingKeys: String, CodingKey {
        case recordSeq = "record_seq", pandaID = "panda_id", taskID = "task_id", pilotBootID = "pilot_boot_id"
        case pilotPID = "pilot_pid", pilotStartTicks = "pilot_start_ticks", firstSeen = "first_seen"
        case lastSeen = "last_seen", isolated, failingRules = "failing_rules", containerRuntime = "container_runtime"
        case containerImage = "container_image", jobDirectory = "job_directory", batchJobID = "batch_job_id"
    }

    public enum Columns {
        public static let recordSeq = Column(CodingKeys.recordSeq)
        public static let pandaID = Column(CodingKeys.pandaID)
        public static let taskID = Column(CodingKeys.taskID)
        public static let firstSeen = Column(CodingKeys.firstSeen)
        public static let lastSeen = Column(CodingKeys.lastSeen)
    }
}
