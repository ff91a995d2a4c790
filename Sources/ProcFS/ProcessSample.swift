/// Everything isotrace knows about one process at one moment, read from `/proc/<pid>/`.
///
/// Optional fields are nil when the file could not be read; `unavailable` then says why
/// (permission denied under hidepid, kernel thread without an executable, malformed content).
/// Secrets never reach this type: the environment is allowlisted and argv redacted while parsing.
public struct ProcessSample: Sendable, Equatable {
    public var identity: ProcessIdentity
    public var stat: ProcessStat
    public var startTime: UTCTime
    public var status: ProcessStatus?
    public var arguments: [String]?
    public var cwd: LinkTarget?
    public var exe: LinkTarget?
    public var namespaces: NamespaceSet
    public var uidMap: [IDMapEntry]?
    public var gidMap: [IDMapEntry]?
    public var cgroups: [CgroupEntry]?
    /// Allowlisted variables only (see `EnvironmentAllowlist`).
    public var environment: [String: String]?
    /// Field name (as in the JSON output) -> reason it could not be read.
    public var unavailable: [String: String]
    /// The cgroup v2 id when the BPF task iterator sampled the process (not part of the JSON): a
    /// known process's cgroup file is read again only when it changed.
    public var cgroupID: UInt64?

    public init(identity: ProcessIdentity, stat: ProcessStat, startTime: UTCTime, status: ProcessStatus? = nil,
                arguments: [String]? = nil, cwd: LinkTarget? = nil, exe: LinkTarget? = nil,
                namespaces: NamespaceSet = NamespaceSet(), uidMap: [IDMapEntry]? = nil, gidMap: [IDMapEntry]? = nil,
                cgroups: [CgroupEntry]? = nil, environment: [String: String]? = nil, unavailable: [String: String] = [:]) {
        self.identity = identity
        self.stat = stat
        self.startTime = startTime
        self.status = status
        self.arguments = arguments
        self.cwd = cwd
        self.exe = exe
        self.namespaces = namespaces
        self.uidMap = uidMap
        self.gidMap = gidMap
        self.cgroups = cgroups
        self.environment = environment
        self.unavailable = unavailable
    }

    public var pid: Int32 { identity.pid }
    /// Effective uid, as seen from the reader's user namespace.
    public var effectiveUID: UInt32? { status?.uids[1] }
    /// The cgroup path that places the process (v2 path, or name=systemd on v1/hybrid).
    public var cgroupPath: String? { cgroups.flatMap(CgroupEntry.primaryPath(of:)) }
}
