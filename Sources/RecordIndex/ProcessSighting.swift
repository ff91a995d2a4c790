import GRDB

/// One record's statement about one process: its identity (boot_id, pid, start_ticks), when it
/// started, when this record saw it (`first_seen`..`last_seen`: one instant for an audit, a span for
/// the daemon's process/exit records), its credentials, namespaces, container and job.
public struct ProcessSighting: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "process_sighting"

    public var recordSeq: Int64
    /// `pilot`, `pilot_wrapper`, `payload`, `unattributed`, or the daemon's own role.
    public var role: String
    public var bootID: String
    public var pid: Int64
    public var startTicks: Int64
    /// Milliseconds since the epoch; null when the record did not say.
    public var startTime: Int64?
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Effective uid on the host.
    public var uid: Int64?
    /// Real, effective, saved and filesystem uids; gids likewise.
    public var uids: [Int64]?
    public var gids: [Int64]?
    public var pandaID: String?
    public var taskID: String?
    /// An unattributed process's own (unbelieved) claim of a PanDA ID.
    public var claimedPandaID: String?
    public var pilotBootID: String?
    public var pilotPID: Int64?
    public var pilotStartTicks: Int64?
    public var containerRuntime: String?
    public var containerImage: String?
    public var nsCgroup: Int64?
    public var nsIPC: Int64?
    public var nsMnt: Int64?
    public var nsNet: Int64?
    public var nsPID: Int64?
    public var nsPIDForChildren: Int64?
    public var nsTime: Int64?
    public var nsUser: Int64?
    public var nsUTS: Int64?
    public var cmdline: [String]?
    public var exe: String?
    public var cgroup: String?

    enum CodingKeys: String, CodingKey {
        case recordSeq = "record_seq", role, bootID = "boot_id", pid, startTicks = "start_ticks"
        case startTime = "start_time", firstSeen = "first_seen", lastSeen = "last_seen", uid, uids, gids
        case pandaID = "panda_id", taskID = "task_id", claimedPandaID = "claimed_panda_id"
        case pilotBootID = "pilot_boot_id", pilotPID = "pilot_pid", pilotStartTicks = "pilot_start_ticks"
        case containerRuntime = "container_runtime", containerImage = "container_image"
        case nsCgroup = "ns_cgroup", nsIPC = "ns_ipc", nsMnt = "ns_mnt", nsNet = "ns_net", nsPID = "ns_pid"
        case nsPIDForChildren = "ns_pid_for_children", nsTime = "ns_time", nsUser = "ns_user", nsUTS = "ns_uts"
        case cmdline, exe, cgroup
    }

    public enum Columns {
        public static let recordSeq = Column(CodingKeys.recordSeq)
        public static let role = Column(CodingKeys.role)
        public static let bootID = Column(CodingKeys.bootID)
        public static let pid = Column(CodingKeys.pid)
        public static let startTicks = Column(CodingKeys.startTicks)
        public static let startTime = Column(CodingKeys.startTime)
        public static let firstSeen = Column(CodingKeys.firstSeen)
        public static let lastSeen = Column(CodingKeys.lastSeen)
        public static let uid = Column(CodingKeys.uid)
        public static let pandaID = Column(CodingKeys.pandaID)
        public static let taskID = Column(CodingKeys.taskID)
    }
}
