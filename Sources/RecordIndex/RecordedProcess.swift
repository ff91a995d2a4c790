/// A PROCESS object as records carry it: the snapshot's process (identity = boot_id, pid,
/// start_ticks) plus the audit's `panda_id` and `container`, and, in the daemon's `process` /
/// `exit` records, `first_seen`, `last_seen`, `task_id`, `role` and the pilot's identity.
struct RecordedProcess {
    var pid: Int64
    var startTicks: Int64
    var startTime: String?
    var bootID: String?
    var uid: Int64?
    var uids: [Int64]?
    var gids: [Int64]?
    var cmdline: [String]?
    var exe: String?
    var cgroup: String?
    var namespaces: RecordedNamespaces?
    var pandaID: String?
    var taskID: String?
    var container: RecordedContainer?
    var firstSeen: String?
    var lastSeen: String?
    var role: String?
    var pilot: RecordedIdentity?

    enum CodingKeys: String, CodingKey {
        case pid, startTicks = "start_ticks", startTime = "start_time", bootID = "boot_id", uid, uids, gids
        case cmdline, exe, cgroup, namespaces = "ns", pandaID = "panda_id", taskID = "task_id", container
        case firstSeen = "first_seen", lastSeen = "last_seen", role, pilot
    }
}

extension RecordedProcess: Decodable {
    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pid = try container.decode(Int64.self, forKey: .pid)
        startTicks = try container.decode(Int64.self, forKey: .startTicks)
        startTime = try container.decodeIfPresent(String.self, forKey: .startTime)
        bootID = try container.decodeIfPresent(String.self, forKey: .bootID)
        uid = try container.decodeIfPresent(Int64.self, forKey: .uid)
        uids = try container.decodeIfPresent([Int64].self, forKey: .uids)
        gids = try container.decodeIfPresent([Int64].self, forKey: .gids)
        cmdline = try container.decodeIfPresent([String].self, forKey: .cmdline)
        exe = try container.decodeIfPresent(String.self, forKey: .exe)
        cgroup = try container.decodeIfPresent(String.self, forKey: .cgroup)
        namespaces = try container.decodeIfPresent(RecordedNamespaces.self, forKey: .namespaces)
        pandaID = try container.decodeIfPresent(LenientString.self, forKey: .pandaID)?.value
        taskID = try container.decodeIfPresent(LenientString.self, forKey: .taskID)?.value
        self.container = try container.decodeIfPresent(RecordedContainer.self, forKey: .container)
        firstSeen = try container.decodeIfPresent(String.self, forKey: .firstSeen)
        lastSeen = try container.decodeIfPresent(String.self, forKey: .lastSeen)
        role = try container.decodeIfPresent(String.self, forKey: .role)
        pilot = try container.decodeIfPresent(RecordedIdentity.self, forKey: .pilot)
    }
}

/// A process identity: PIDs are reused, (boot_id, pid, start_ticks) is not.
struct RecordedIdentity: Decodable {
    var bootID: String?
    var pid: Int64
    var startTicks: Int64

    enum CodingKeys: String, CodingKey { case bootID = "boot_id", pid, startTicks = "start_ticks" }
}

/// Namespace inode numbers (`/proc/<pid>/ns/*`); null where the link was unreadable.
struct RecordedNamespaces: Decodable {
    var cgroup: Int64?
    var ipc: Int64?
    var mnt: Int64?
    var net: Int64?
    var pid: Int64?
    var pidForChildren: Int64?
    var time: Int64?
    var user: Int64?
    var uts: Int64?

    enum CodingKeys: String, CodingKey {
        case cgroup, ipc, mnt, net, pid, pidForChildren = "pid_for_children", time, user, uts
    }
}

/// A PanDA or task ID: a string in the audit contract, tolerated as a number.
struct LenientString {
    var value: String
}

extension LenientString: Decodable {
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = text
        } else {
            value = String(try container.decode(Int64.self))
        }
    }
}
