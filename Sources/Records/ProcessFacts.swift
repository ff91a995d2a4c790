/// What one process object of a `process` or `exit` record states (its `process`, or one entry of
/// its `processes`, process and exit entries alike), as typed values: the facts its readers (the
/// index) take from it, equal to reading them from the record's JSON (null or absent is nil; an
/// absent `ns` is all nil). The writers hand them along with the body they built from the same
/// values (`RecordBody.processFacts`), so that the index need not read the record's bytes back.
/// These are all the index reads from a process object: an entry's other members (`comm`,
/// `seen_by`, `execs`, `exit_code`, `reaper_pid`, ...) are in the record only.
public struct ProcessFacts: Sendable, Equatable {
    public var pid: Int64
    public var startTicks: Int64
    public var startTime: String?
    public var bootID: String?
    /// `uid`: the effective uid.
    public var uid: Int64?
    public var uids: [Int64]?
    public var gids: [Int64]?
    public var cmdline: [String]?
    public var exe: String?
    public var cgroup: String?
    public var namespaces: Namespaces
    public var pandaID: String?
    public var taskID: String?
    public var container: Container?
    public var firstSeen: String?
    public var lastSeen: String?
    public var role: String?
    public var pilot: Identity?

    /// `ns`: each namespace's inode, nil when unreadable.
    public struct Namespaces: Sendable, Equatable {
        public var cgroup: Int64?
        public var ipc: Int64?
        public var mnt: Int64?
        public var net: Int64?
        public var pid: Int64?
        public var pidForChildren: Int64?
        public var time: Int64?
        public var user: Int64?
        public var uts: Int64?

        public init(cgroup: Int64? = nil, ipc: Int64? = nil, mnt: Int64? = nil, net: Int64? = nil, pid: Int64? = nil,
                    pidForChildren: Int64? = nil, time: Int64? = nil, user: Int64? = nil, uts: Int64? = nil) {
            self.cgroup = cgroup
            self.ipc = ipc
            self.mnt = mnt
            self.net = net
            self.pid = pid
            self.pidForChildren = pidForChildren
            self.time = time
            self.user = user
            self.uts = uts
        }
    }

    /// `container`: what ran the process's job, when a container did.
    public struct Container: Sendable, Equatable {
        public var runtime: String?
        public var image: String?

        public init(runtime: String?, image: String?) {
            self.runtime = runtime
            self.image = image
        }
    }

    /// `pilot`: the pilot's identity; `startTicks` nil where the record says null (beyond 2^53).
    public struct Identity: Sendable, Equatable {
        public var bootID: String?
        public var pid: Int64
        public var startTicks: Int64?

        public init(bootID: String?, pid: Int64, startTicks: Int64?) {
            self.bootID = bootID
            self.pid = pid
            self.startTicks = startTicks
        }
    }

    public init(pid: Int64, startTicks: Int64, startTime: String?, bootID: String?, uid: Int64?, uids: [Int64]?, gids: [Int64]?,
                cmdline: [String]?, exe: String?, cgroup: String?, namespaces: Namespaces, pandaID: String?, taskID: String?,
                container: Container?, firstSeen: String?, lastSeen: String?, role: String?, pilot: Identity?) {
        self.pid = pid
        self.startTicks = startTicks
        self.startTime = startTime
        self.bootID = bootID
        self.uid = uid
        self.uids = uids
        self.gids = gids
        self.cmdline = cmdline
        self.exe = exe
        self.cgroup = cgroup
        self.namespaces = namespaces
        self.pandaID = pandaID
        self.taskID = taskID
        self.container = container
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.role = role
        self.pilot = pilot
    }
}
