import Base

/// One process as the records state it: its identity, role, credentials, namespaces and
/// container, seen from `first_seen` to `last_seen`, and the records that say so. When a
/// process's facts changed (a setuid, a move to another namespace), each state is its own report.
public struct ProcessReport: Encodable, Equatable, Sendable {
    public var role: String
    public var bootID: String
    public var pid: Int64
    public var startTicks: Int64
    public var startTime: UTCTime?
    public var firstSeen: UTCTime
    public var lastSeen: UTCTime
    public var uid: Int64?
    public var uids: [Int64]?
    public var gids: [Int64]?
    public var pandaID: String?
    public var taskID: String?
    public var claimedPandaID: String?
    public var pilot: ProcessIdentityReport?
    public var containerRuntime: String?
    public var containerImage: String?
    public var namespaces: [String: Int64?]
    public var cmdline: [String]?
    public var exe: String?
    public var cgroup: String?
    public var records: [RecordReference]

    init(sighting s: ProcessSighting, firstSeen: Int64, lastSeen: Int64, records: [RecordReference]) {
        role = s.role
        bootID = s.bootID
        pid = s.pid
        startTicks = s.startTicks
        startTime = s.startTime.map(UTCTime.init(millisecondsSinceEpoch:))
        self.firstSeen = UTCTime(millisecondsSinceEpoch: firstSeen)
        self.lastSeen = UTCTime(millisecondsSinceEpoch: lastSeen)
        uid = s.uid
        uids = s.uids
        gids = s.gids
        pandaID = s.pandaID
        taskID = s.taskID
        claimedPandaID = s.claimedPandaID
        pilot = s.pilotPID.map { ProcessIdentityReport(bootID: s.pilotBootID ?? s.bootID, pid: $0, startTicks: s.pilotStartTicks ?? 0) }
        containerRuntime = s.containerRuntime
        containerImage = s.containerImage
        namespaces = [
            "cgroup": s.nsCgroup, "ipc": s.nsIPC, "mnt": s.nsMnt, "net": s.nsNet, "pid": s.nsPID,
            "pid_for_children": s.nsPIDForChildren, "time": s.nsTime, "user": s.nsUser, "uts": s.nsUTS,
        ]
        cmdline = s.cmdline
        exe = s.exe
        cgroup = s.cgroup
        self.records = records
    }

    public var identity: ProcessIdentityReport { ProcessIdentityReport(bootID: bootID, pid: pid, startTicks: startTicks) }

    enum CodingKeys: String, CodingKey {
        case role, bootID = "boot_id", pid, startTicks = "start_ticks", startTime = "start_time"
        case firstSeen = "first_seen", lastSeen = "last_seen", uid, uids, gids, pandaID = "panda_id"
        case taskID = "task_id", claimedPandaID = "claimed_panda_id", pilot, container, namespaces = "ns"
        case cmdline, exe, cgroup, records
    }


    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(bootID, forKey: .bootID)
        try container.encode(pid, forKey: .pid)
        try container.encode(startTicks, forKey: .startTicks)
        try container.encodeValueOrNull(startTime?.description, forKey: .startTime)
        try container.encode(firstSeen.description, forKey: .firstSeen)
        try container.encode(lastSeen.description, forKey: .lastSeen)
        try container.encodeValueOrNull(uid, forKey: .uid)
        try container.encodeValueOrNull(uids, forKey: .uids)
        try container.encodeValueOrNull(gids, forKey: .gids)
        try container.encodeValueOrNull(pandaID, forKey: .pandaID)
        try container.encodeValueOrNull(taskID, forKey: .taskID)
        try container.encodeValueOrNull(claimedPandaID, forKey: .claimedPandaID)
        try container.encodeValueOrNull(pilot, forKey: .pilot)
        try container.encodeContainer(runtime: containerRuntime, image: containerImage, forKey: .container)
        var ns = container.nestedContainer(keyedBy: DynamicKey.self, forKey: .namespaces)
        for (kind, inode) in namespaces.sorted(by: { $0.key < $1.key }) {
            try ns.encodeValueOrNull(inode, forKey: DynamicKey(kind))
        }
        try container.encodeValueOrNull(cmdline, forKey: .cmdline)
        try container.encodeValueOrNull(exe, forKey: .exe)
        try container.encodeValueOrNull(cgroup, forKey: .cgroup)
        try container.encode(records, forKey: .records)
    }
}

/// A process identity: (boot_id, pid, start_ticks). PIDs are reused; identities are not.
public struct ProcessIdentityReport: Encodable, Hashable, Sendable {
    public var bootID: String
    public var pid: Int64
    public var startTicks: Int64

    enum CodingKeys: String, CodingKey { case bootID = "boot_id", pid, startTicks = "start_ticks" }
}

struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedEncodingContainer {
    /// Every key is present in query output; absent values are null (stable shape for tools).
    mutating func encodeValueOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// `"container": {"runtime", "image"}`, or null when no runtime was recorded.
    mutating func encodeContainer(runtime: String?, image: String?, forKey key: Key) throws {
        guard let runtime else { return try encodeNil(forKey: key) }
        var nested = nestedContainer(keyedBy: ContainerKeys.self, forKey: key)
        try nested.encode(runtime, forKey: .runtime)
        try nested.encodeValueOrNull(image, forKey: .image)
    }
}

private enum ContainerKeys: String, CodingKey { case runtime, image }
