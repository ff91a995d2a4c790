import Records

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

extension RecordedProcess {
    /// The process the facts state, as reading its object gives it; nil when an integer is beyond
    /// what a JSON number holds exactly (2^53) or the pilot's start_ticks is null, which reading
    /// the object answers otherwise (rounded, or not a record the index reads).
    init?(handedOver facts: ProcessFacts) {
        guard Self.readsAsStated(facts) else { return nil }
        let ns = facts.namespaces
        let pilot = facts.pilot.map { RecordedIdentity(bootID: $0.bootID, pid: $0.pid, startTicks: $0.startTicks!) }
        self.init(pid: facts.pid, startTicks: facts.startTicks, startTime: facts.startTime, bootID: facts.bootID, uid: facts.uid,
                  uids: facts.uids, gids: facts.gids, cmdline: facts.cmdline, exe: facts.exe, cgroup: facts.cgroup,
                  namespaces: RecordedNamespaces(cgroup: ns.cgroup, ipc: ns.ipc, mnt: ns.mnt, net: ns.net, pid: ns.pid,
                                                 pidForChildren: ns.pidForChildren, time: ns.time, user: ns.user, uts: ns.uts),
                  pandaID: facts.pandaID, taskID: facts.taskID,
                  container: facts.container.map { RecordedContainer(runtime: $0.runtime, image: $0.image) },
                  firstSeen: facts.firstSeen, lastSeen: facts.lastSeen, role: facts.role, pilot: pilot)
    }

    /// Whether reading the object the facts state gives them as they are: no integer beyond what a
    /// JSON number holds exactly (2^53), no pilot with a null start_ticks.
    static func readsAsStated(_ facts: ProcessFacts) -> Bool {
        let ns = facts.namespaces
        guard exact(facts.pid), exact(facts.startTicks), exact(facts.uid), exact(facts.uids), exact(facts.gids),
              exact(ns.cgroup), exact(ns.ipc), exact(ns.mnt), exact(ns.net), exact(ns.pid),
              exact(ns.pidForChildren), exact(ns.time), exact(ns.user), exact(ns.uts) else { return false }
        if let identity = facts.pilot {
            guard let ticks = identity.startTicks, exact(identity.pid), exact(ticks) else { return false }
        }
        return true
    }

    private static func exact(_ value: Int64?) -> Bool {
        guard let value else { return true }
        return value.magnitude <= JSONValue.maxExactInteger.magnitude
    }

    private static func exact(_ values: [Int64]?) -> Bool {
        values?.allSatisfy { $0.magnitude <= JSONValue.maxExactInteger.magnitude } ?? true
    }
}

extension RecordedProcess: Decodable {
    init(from decoder: Decoder) throws {
        try self.init(from: decoder, shared: nil)
    }

    /// An entry of a `processes` array whose record has a `shared` object: each member from the
    /// entry when it has it, else from `shared` (`SharedEntryMembers`).
    init(from decoder: Decoder, shared: KeyedDecodingContainer<CodingKeys>?) throws {
        let entry = try decoder.container(keyedBy: CodingKeys.self)
        func from(_ key: CodingKeys) -> KeyedDecodingContainer<CodingKeys> {
            guard let shared, !entry.contains(key), shared.contains(key) else { return entry }
            return shared
        }
        pid = try from(.pid).decode(Int64.self, forKey: .pid)
        startTicks = try from(.startTicks).decode(Int64.self, forKey: .startTicks)
        startTime = try from(.startTime).decodeIfPresent(String.self, forKey: .startTime)
        bootID = try from(.bootID).decodeIfPresent(String.self, forKey: .bootID)
        uid = try from(.uid).decodeIfPresent(Int64.self, forKey: .uid)
        uids = try from(.uids).decodeIfPresent([Int64].self, forKey: .uids)
        gids = try from(.gids).decodeIfPresent([Int64].self, forKey: .gids)
        cmdline = try from(.cmdline).decodeIfPresent([String].self, forKey: .cmdline)
        exe = try from(.exe).decodeIfPresent(String.self, forKey: .exe)
        cgroup = try from(.cgroup).decodeIfPresent(String.self, forKey: .cgroup)
        namespaces = try from(.namespaces).decodeIfPresent(RecordedNamespaces.self, forKey: .namespaces)
        pandaID = try from(.pandaID).decodeIfPresent(LenientString.self, forKey: .pandaID)?.value
        taskID = try from(.taskID).decodeIfPresent(LenientString.self, forKey: .taskID)?.value
        container = try from(.container).decodeIfPresent(RecordedContainer.self, forKey: .container)
        firstSeen = try from(.firstSeen).decodeIfPresent(String.self, forKey: .firstSeen)
        lastSeen = try from(.lastSeen).decodeIfPresent(String.self, forKey: .lastSeen)
        role = try from(.role).decodeIfPresent(String.self, forKey: .role)
        pilot = try from(.pilot).decodeIfPresent(RecordedIdentity.self, forKey: .pilot)
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
