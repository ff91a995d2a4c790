import Base
import Jobs
import ProcFS

/// One process as the event source saw it between its fork and its exit (either may be
/// missing: forked before the daemon started, or still alive): what the ancestry attribution and
/// the `seen_by: event` records need.
public struct ProcessLife: Sendable {
    public var identity: ProcessIdentity
    /// The real parent at fork (from the first event seen: at fork time when the fork was seen).
    public var parent: ProcessIdentity
    public var parentSeenAtFork: Bool
    public var startTime: UTCTime
    /// The first and last event seen.
    public var firstSeen: UTCTime
    public var lastSeen: UTCTime
    /// The latest values any event gave.
    public var ppid: Int32
    public var sid: Int32
    public var uids: [UInt32]
    public var gids: [UInt32]
    public var namespaces: NamespaceSet
    public var cgroupID: UInt64
    public var comm: String
    /// The execs seen, the first `execLimit` of them; `execCount` counts all.
    public var execs: [Exec] = []
    public var execCount = 0
    /// Set at exit.
    public var exit: Exit?
    /// The attribution once it was decided (at birth, by ancestry): kept whatever the process does later.
    var attribution: LifeAttribution?
    /// The `process` entry was written (seen_by: event).
    var recorded = false
    /// `execCount` when the `process` entry was written.
    var execCountAtEntry = 0
    /// Why it is outside its job, once reported.
    var escaped: String?

    public static let execLimit = 8

    public struct Exec: Sendable {
        public var time: UTCTime
        public var filename: String
        public var arguments: [String]
        public var truncated: Bool
        public var cwdName: String
        public var sessionLeader: Bool
    }

    public struct Exit: Sendable {
        public var time: UTCTime
        /// The wait status: code << 8 | signal.
        public var status: Int32
        /// Who reaps it (its real parent at exit).
        public var reaper: Int32
    }
}

/// What a process is to its job, decided at birth from its parent.
enum LifeAttribution: Sendable, Equatable {
    /// Not a pilot's or payload's process.
    case none
    /// In a job: role (pilot side or payload), PanDA ID, pilot. Boxed (`indirect`): a life
    /// holds one reference instead of the side's strings inline, so a life (and each entry
    /// that carries it) is smaller to move and has fewer references to retain when copied.
    indirect case job(JobSide)
}

/// The attribution a descendant inherits: the job's PanDA ID (nil on the pilot side), the side,
/// and the pilot's identity.
struct JobSide: Sendable, Equatable {
    var role: ProcessRole
    var pandaID: String?
    var taskID: String?
    var pilot: ProcessIdentity?
    var container: ContainerInfo?
    /// The payload root of the job (payload side), or nil.
    var jobRoot: ProcessIdentity?
}

