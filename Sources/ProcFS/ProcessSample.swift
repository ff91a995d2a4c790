import Base
import CTaskIter

/// Everything isotrace knows about one process at one moment, read from `/proc/<pid>/`.
///
/// Optional fields are nil when the file could not be read; `unavailable` then says why
/// (permission denied under hidepid, kernel thread without an executable, malformed content).
/// Secrets never reach this type: the environment is allowlisted and argv redacted while parsing.
///
/// A value type with copy-on-write storage: samples are copied into process trees, jobs, audits
/// and records many times per cycle, and a copy costs one reference count instead of one per
/// field. The daemon's samplers hand back the very same storage for a process whose facts did not
/// change, which `isSameStorage` tells in constant time (see `PolicyEvaluator`'s reuse).
public struct ProcessSample: Sendable, Equatable {
    struct Fields: Equatable {
        var identity: ProcessIdentity
        var stat: ProcessStat
        var startTime: UTCTime
        var status: ProcessStatus?
        var arguments: [String]?
        var cwd: LinkTarget?
        var exe: LinkTarget?
        var namespaces: NamespaceSet
        var uidMap: [IDMapEntry]?
        var gidMap: [IDMapEntry]?
        var cgroups: [CgroupEntry]?
        var environment: [String: String]?
        var unavailable: [String: UnavailableReason]
        var cgroupID: UInt64?
    }

    /// Mutated only when uniquely referenced (`fields` below), so sharing it is safe.
    final class Storage: @unchecked Sendable {
        // Written only through a uniquely referenced storage, so no two accesses can overlap:
        // the runtime's exclusivity check on every field read is pure cost here.
        @exclusivity(unchecked) var fields: Fields
        @exclusivity(unchecked) var taskRecord: isotrace_task_record?
        init(_ fields: Fields, taskRecord: isotrace_task_record? = nil) {
            self.fields = fields
            self.taskRecord = taskRecord
        }
    }

    private var storage: Storage

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields, taskRecord: storage.taskRecord) }
    }

    private var fields: Fields {
        get { storage.fields }
        _modify {
            makeUnique()
            yield &storage.fields
        }
    }

    /// The BPF record this sample was made from (neither compared nor encoded): a known process
    /// whose next record is byte-for-byte the same has not changed.
    var taskRecord: isotrace_task_record? {
        get { storage.taskRecord }
        set {
            makeUnique()
            storage.taskRecord = newValue
        }
    }

    public init(identity: ProcessIdentity, stat: ProcessStat, startTime: UTCTime, status: ProcessStatus? = nil,
                arguments: [String]? = nil, cwd: LinkTarget? = nil, exe: LinkTarget? = nil,
                namespaces: NamespaceSet = NamespaceSet(), uidMap: [IDMapEntry]? = nil, gidMap: [IDMapEntry]? = nil,
                cgroups: [CgroupEntry]? = nil, environment: [String: String]? = nil, unavailable: [String: UnavailableReason] = [:]) {
        storage = Storage(Fields(
            identity: identity, stat: stat, startTime: startTime, status: status, arguments: arguments, cwd: cwd, exe: exe,
            namespaces: namespaces, uidMap: uidMap, gidMap: gidMap, cgroups: cgroups, environment: environment,
            unavailable: unavailable, cgroupID: nil))
    }

    public static func == (lhs: ProcessSample, rhs: ProcessSample) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    /// True when both are copies of one sample (no field was set on either since): the daemon's
    /// samplers return a known process's previous sample when nothing about it changed.
    public func isSameStorage(as other: ProcessSample) -> Bool { storage === other.storage }

    /// Equal but for the state letter (running, sleeping, ...), which changes all the time and
    /// which no policy check reads: what the daemon's audit compares to take a job's verdicts over.
    public func hasSameFacts(as other: ProcessSample) -> Bool {
        if storage === other.storage { return true }
        var theirs = other.storage.fields
        theirs.stat.state = storage.fields.stat.state
        return storage.fields == theirs
    }

    public var identity: ProcessIdentity {
        get { storage.fields.identity }
        _modify { yield &fields.identity }
    }
    public var stat: ProcessStat {
        get { storage.fields.stat }
        _modify { yield &fields.stat }
    }
    public var startTime: UTCTime {
        get { storage.fields.startTime }
        _modify { yield &fields.startTime }
    }
    public var status: ProcessStatus? {
        get { storage.fields.status }
        _modify { yield &fields.status }
    }
    public var arguments: [String]? {
        get { storage.fields.arguments }
        _modify { yield &fields.arguments }
    }
    public var cwd: LinkTarget? {
        get { storage.fields.cwd }
        _modify { yield &fields.cwd }
    }
    public var exe: LinkTarget? {
        get { storage.fields.exe }
        _modify { yield &fields.exe }
    }
    public var namespaces: NamespaceSet {
        get { storage.fields.namespaces }
        _modify { yield &fields.namespaces }
    }
    public var uidMap: [IDMapEntry]? {
        get { storage.fields.uidMap }
        _modify { yield &fields.uidMap }
    }
    public var gidMap: [IDMapEntry]? {
        get { storage.fields.gidMap }
        _modify { yield &fields.gidMap }
    }
    public var cgroups: [CgroupEntry]? {
        get { storage.fields.cgroups }
        _modify { yield &fields.cgroups }
    }
    /// Allowlisted variables only (see `EnvironmentAllowlist`).
    public var environment: [String: String]? {
        get { storage.fields.environment }
        _modify { yield &fields.environment }
    }
    /// Field name (as in the JSON output) -> reason it could not be read.
    public var unavailable: [String: UnavailableReason] {
        get { storage.fields.unavailable }
        _modify { yield &fields.unavailable }
    }
    /// The cgroup v2 id when the BPF task iterator sampled the process (not part of the JSON): a
    /// known process's cgroup file is read again only when it changed.
    public var cgroupID: UInt64? {
        get { storage.fields.cgroupID }
        _modify { yield &fields.cgroupID }
    }

    public var pid: Int32 { storage.fields.identity.pid }
    /// Effective uid, as seen from the reader's user namespace.
    public var effectiveUID: UInt32? { status?.uids[1] }
    /// The cgroup path that places the process (v2 path, or name=systemd on v1/hybrid).
    public var cgroupPath: String? { cgroups.flatMap(CgroupEntry.primaryPath(of:)) }
}
