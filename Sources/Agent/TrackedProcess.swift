import Base
import Jobs
import ProcFS

/// What a pilot or payload process is to the daemon.
public enum ProcessRole: String, Sendable, Codable {
    case pilot
    case pilotWrapper = "pilot_wrapper"
    /// A descendant of a pilot that is not a payload (seen by the event source: a pilot helper command).
    case pilotSide = "pilot_side"
    case payload
    /// Claims a PanDA ID but runs under no pilot.
    case unattributed
}

/// A pilot or payload process the daemon has recorded and watches until it is gone: its identity,
/// its attribution at first sight, and when it was first and last seen.
public struct TrackedProcess: Sendable, Equatable {
    public var identity: ProcessIdentity
    public var role: ProcessRole
    /// The job's PanDA ID (for `unattributed`: the ID it claims).
    public var pandaID: String?
    public var taskID: String?
    /// The identity of the pilot it belongs to (payloads; a pilot names itself nowhere).
    public var pilot: ProcessIdentity?
    public var container: ContainerInfo?
    public var startTime: UTCTime
    public var comm: String
    public var uid: UInt32?
    public var firstSeen: UTCTime
    /// The last cycle that saw it: filled in by the tracker when it exits (until then, firstSeen).
    public var lastSeen: UTCTime
    /// Its job's payload root, as the sampler classified it: the session it leads is the job's
    /// own, not a new one outside it.
    public var isJobRoot: Bool

    public init(identity: ProcessIdentity, role: ProcessRole, pandaID: String?, taskID: String?, pilot: ProcessIdentity?,
                container: ContainerInfo?, startTime: UTCTime, comm: String, uid: UInt32?, firstSeen: UTCTime, lastSeen: UTCTime,
                isJobRoot: Bool = false) {
        self.identity = identity
        self.role = role
        self.pandaID = pandaID
        self.taskID = taskID
        self.pilot = pilot
        self.container = container
        self.startTime = startTime
        self.comm = comm
        self.uid = uid
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.isJobRoot = isJobRoot
    }
}

/// A job as the daemon knows it: PanDA ID and its pilot (two pilots may run the same PanDA ID,
/// e.g. a retried job), with what syslog and metrics report about it.
public struct TrackedJob: Sendable, Equatable {
    public var key: JobKey
    public var taskID: String?
    public var rootPID: Int32
    /// The payload root's (effective) uid: whose job it is on this node.
    public var rootUID: UInt32?
    public var isolated: Bool
    public var failingRules: [String]
    public var container: ContainerInfo?
    public var jobDirectory: String
    public var firstSeen: UTCTime
    public var lastSeen: UTCTime
}

/// Which job a verdict is about: nil PanDA ID for the node.
public struct JobKey: Sendable, Hashable {
    public var pandaID: String
    public var pilot: ProcessIdentity?

    public init(pandaID: String, pilot: ProcessIdentity?) {
        self.pandaID = pandaID
        self.pilot = pilot
    }
}
