import Jobs
import Policy
import ProcFS
import Records

/// The bodies of the daemon's record types (DESIGN.md "Records"), built here and appended through
/// the chain writer's generic `append(RecordBody)`. Key names follow the audit contract: each
/// PROCESS of a `process` record's `processes` is the snapshot's process object plus `panda_id`,
/// `task_id`, `container`, `role`, `pilot` (identity), `first_seen`, `last_seen` and `seen_by`,
/// which is what the index reads. Each record also names the `sampler` of the cycle that saw it.
public enum DaemonRecords {
    /// `process`: first sight of sampled pilot, pilot wrapper, payload or unattributed processes
    /// of one job (or of the node: `DaemonLoop.recordGroup`), with everything sampled about each:
    /// `"processes": [PROCESS, ...]`, at most `DaemonLoop.entriesPerRecord`, like the event
    /// source's records.
    /// One signature, one line and one chain link for them all instead of one each (issue 18 item 3:
    /// "Many may share one record, per job per cycle, to keep signing and fsync costs bounded").
    ///
    /// What every entry of the record states alike (the same member with the same bytes: the
    /// job's attribution, `seen_by`, the times of the cycle, and whatever else one job's processes
    /// have in common, often their environment, cgroup, namespaces and capabilities) is stated
    /// once, in the record's `shared` object, as the event source's records do
    /// (`SharedEntryMembers`); each entry keeps its identity (`pid`, `start_ticks`) and what
    /// differs. A reader takes an entry as its members plus `shared`'s: the same statements in
    /// fewer bytes to sign, hash and write. `shared: false` writes every entry whole (the layout
    /// before, for the test that compares both).
    public static func processes<Entries: Collection>(_ entries: Entries, sampler: SamplerKind? = nil, shared: Bool = true) throws -> RecordBody
    where Entries.Element == SampledProcessEntry {
        var members: [CanonicalMember]
        if shared, let split = SharedEntryMembers.split(entries.map(\.process.value), own: ownMembers) {
            members = [CanonicalMember("processes", canonical: split.processes), CanonicalMember(SharedEntryMembers.key, canonical: split.shared)]
        } else {
            members = [CanonicalMember("processes", arrayOf: entries.lazy.map(\.process))]
        }
        if let sampler { members.append(try CanonicalMember("sampler", .string(sampler.rawValue))) }
        return RecordBody(type: .process, canonicalMembers: members, processFacts: entries.map(\.facts))
    }

    /// The members a sampled entry always states itself, whatever the others say: which process it is.
    static let ownMembers: Set<String> = ["pid", "start_ticks"]

    /// One sampled process's PROCESS, for a `process` record's `processes`.
    ///
    /// PROCESS is written as bytes by the snapshot's own writer with the attribution keys put in
    /// where they sort, which is canonical JSON as it stands (checked in one pass by
    /// `CanonicalMember`): the same bytes as when the sample's JSON was parsed, the attribution
    /// added and the whole sorted and written again. Throws as that would (a value beyond 2^53):
    /// the process is then left out of its record, and the others are written.
    public static func processEntry(_ process: TrackedProcess, sample: ProcessSample) throws -> SampledProcessEntry {
        var json = JSONBytes(capacity: 4096)
        SnapshotJSONWriter.write(sample, &json) { next, json in
            for (key, position) in AttributionKey.positions where position == next { write(key, of: process, &json) }
        }
        return SampledProcessEntry(process: try CanonicalMember("process", json: json.bytes, of: "ProcessSample"),
                                   facts: facts(process, sample))
    }

    /// What the PROCESS written above states, typed from the same values (`ProcessFacts`).
    static func facts(_ process: TrackedProcess, _ sample: ProcessSample) -> ProcessFacts {
        var facts = ProcessFacts(sample, pandaID: process.pandaID, container: process.container)
        facts.taskID = process.taskID
        facts.firstSeen = process.firstSeen.description
        facts.lastSeen = process.lastSeen.description
        facts.role = process.role.rawValue
        facts.pilot = process.pilot.map { pilot in
            ProcessFacts.Identity(bootID: pilot.bootID, pid: Int64(pilot.pid), startTicks: exactTicks(pilot.startTicks))
        }
        return facts
    }

    /// What an exit entry (`exitEntry`) states, typed from the same values: no `ns`, `uids`,
    /// `gids`, `cmdline`, `exe` or `cgroup` (nil); start ticks clamped as `integer(_:)` takes them
    /// (beyond 2^53 the entry says null, which the index reads from the values instead).
    static func exitFacts(_ process: TrackedProcess) -> ProcessFacts {
        ProcessFacts(
            pid: Int64(process.identity.pid), startTicks: Int64(clamping: process.identity.startTicks),
            startTime: process.startTime.description, bootID: process.identity.bootID, uid: process.uid.map(Int64.init),
            uids: nil, gids: nil, cmdline: nil, exe: nil, cgroup: nil, namespaces: ProcessFacts.Namespaces(),
            pandaID: process.pandaID, taskID: process.taskID,
            container: process.container.map { ProcessFacts.Container(runtime: $0.runtime, image: $0.image) },
            firstSeen: process.firstSeen.description, lastSeen: process.lastSeen.description, role: process.role.rawValue,
            pilot: process.pilot.map { pilot in
                ProcessFacts.Identity(bootID: pilot.bootID, pid: Int64(pilot.pid), startTicks: exactTicks(pilot.startTicks))
            })
    }

    /// Start ticks as `integer(_:)` writes them: nil (null) beyond 2^53 - 1.
    private static func exactTicks(_ ticks: UInt64) -> Int64? {
        guard let ticks = Int64(exactly: ticks), ticks <= JSONValue.maxExactInteger else { return nil }
        return ticks
    }


    /// The keys a `process` record adds to the sample's object (`attribution` and `seen_by`), in
    /// key order, each with the snapshot key it goes before (nil: at the end).
    private enum AttributionKey: String, CaseIterable {
        case container, firstSeen = "first_seen", lastSeen = "last_seen", pandaID = "panda_id", pilot, role
        case seenBy = "seen_by", taskID = "task_id"

        static let positions = allCases.map { ($0, SnapshotJSONWriter.position(of: $0.rawValue)) }
    }

    /// One attribution member as bytes: the values `attribution(_:)` gives, written as
    /// `CanonicalJSON` writes them.
    private static func write(_ key: AttributionKey, of process: TrackedProcess, _ json: inout JSONBytes) {
        json.key(key.rawValue)
        switch key {
        case .container:
            guard let info = process.container else { return json.null() }
            json.beginObject()
            json.key("image"); json.string(info.image)
            json.key("process"); json.string(info.process)
            json.key("runtime"); json.string(info.runtime)
            json.endObject()
        case .firstSeen: json.string(process.firstSeen.description)
        case .lastSeen: json.string(process.lastSeen.description)
        case .pandaID: json.string(process.pandaID)
        case .pilot:
            guard let pilot = process.pilot else { return json.null() }
            json.beginObject()
            json.key("boot_id"); json.string(pilot.bootID)
            json.key("pid"); json.integer(pilot.pid)
            json.key("start_ticks")
            if let ticks = exactTicks(pilot.startTicks) { json.integer(ticks) } else { json.null() }
            json.endObject()
        case .role: json.string(process.role.rawValue)
        case .seenBy: json.string("sample")
        case .taskID: json.string(process.taskID)
        }
    }

    /// `exit`: recorded processes of one job (or of the node) are gone: `"processes": [...]`, each
    /// its identity, `comm`, `uid` and attribution; `last_seen` is the last cycle that saw it.
    public static func exits<Processes: Collection>(_ processes: Processes, sampler: SamplerKind? = nil) -> RecordBody
    where Processes.Element == TrackedProcess {
        RecordBody(type: .exit, members: [JSONMember("processes", .array(processes.map { .object(exitEntry($0)) }))] + named(sampler),
                   processFacts: processes.map(exitFacts))
    }

    /// One exit entry: what an `exit` record of one process said in its `process`.
    static func exitEntry(_ process: TrackedProcess) -> [JSONMember] {
        var members = identity(process.identity)
        members += [
            JSONMember("start_time", .string(process.startTime.description)),
            JSONMember("comm", .string(process.comm)),
            JSONMember("uid", process.uid.map { .number(Double($0)) } ?? .null),
        ]
        members += attribution(process)
        members.append(JSONMember("seen_by", .string("sample")))
        return members
    }

    /// `finding`: a rule's verdict for a job (panda_id and pilot identity; both null for the node)
    /// that is new (`previous_status` null) or changed.
    public static func finding(_ change: VerdictChange, sampler: SamplerKind? = nil) throws -> RecordBody {
        RecordBody(type: .finding, members: [
            JSONMember("finding", try JSONValue(encoding: change.finding)),
            JSONMember("panda_id", change.job.map { .string($0.pandaID) } ?? .null),
            JSONMember("pilot", change.job?.pilot.map { .object(identity($0)) } ?? .null),
            JSONMember("previous_status", change.previous.map { .string($0.rawValue) } ?? .null),
        ] + named(sampler))
    }

    /// `heartbeat`: the daemon is alive; counters since it started, and the chain head just
    /// before it (`chain_head`, filled in by the writer when it signs).
    public static func heartbeat(_ counters: HeartbeatCounters, sampler: SamplerKind? = nil) -> RecordBody {
        RecordBody(type: .heartbeat, members: [JSONMember("heartbeat", counters.json)] + named(sampler), carriesChainHead: true)
    }

    /// The optional `sampler` body key (RecordType.optionalBodyKeys).
    private static func named(_ sampler: SamplerKind?) -> [JSONMember] {
        sampler.map { [JSONMember("sampler", .string($0.rawValue))] } ?? []
    }

    static func identity(_ identity: ProcessIdentity) -> [JSONMember] {
        [
            JSONMember("boot_id", .string(identity.bootID)),
            JSONMember("pid", .number(Double(identity.pid))),
            JSONMember("start_ticks", integer(identity.startTicks)),
        ]
    }

    static func attribution(_ process: TrackedProcess) -> [JSONMember] {
        var container: JSONValue = .null
        if let info = process.container {
            container = .object([
                JSONMember("image", info.image.map(JSONValue.string) ?? .null), JSONMember("process", .string(info.process)),
                JSONMember("runtime", .string(info.runtime)),
            ])
        }
        return [
            JSONMember("role", .string(process.role.rawValue)),
            JSONMember("panda_id", process.pandaID.map(JSONValue.string) ?? .null),
            JSONMember("task_id", process.taskID.map(JSONValue.string) ?? .null),
            JSONMember("container", container),
            JSONMember("pilot", process.pilot.map { .object(identity($0)) } ?? .null),
            JSONMember("first_seen", .string(process.firstSeen.description)),
            JSONMember("last_seen", .string(process.lastSeen.description)),
        ]
    }

    static func integer<T: BinaryInteger>(_ value: T) -> JSONValue {
        JSONValue(exactly: Int64(clamping: value)) ?? .null
    }
}

/// What a heartbeat says: the daemon's counters since it started.
public struct HeartbeatCounters: Sendable, Equatable {
    public var pid: Int32 = 0
    public var cycles = 0
    public var processes = 0
    public var tracked = 0
    public var jobs = 0
    public var payloadProcesses = 0
    public var notIsolated = 0
    public var recordsWritten = 0
    public var errors: [String: Int] = [:]
    public var lastCycleMilliseconds = 0
    public var uptimeSeconds = 0
    public var policySHA256 = ""
    /// The last heartbeat before a clean stop (SIGTERM/SIGINT).
    public var final = false
    /// How the daemon is confined (`SelfConfinement.Outcome.json`); nil: not confined.
    public var confinement: JSONValue?
    /// Syslog messages sent, dropped and waiting so far; nil without --syslog.
    public var syslog: SyslogSender.Counts?
    /// The process event source: running with its counters and losses, or unavailable and why.
    public var processEvents: ProcessEventCounts?

    public init() {}

    var json: JSONValue {
        func number(_ value: Int) -> JSONValue { DaemonRecords.integer(value) }
        return .object([
            JSONMember("pid", number(Int(pid))),
            JSONMember("cycles", number(cycles)),
            JSONMember("processes", number(processes)),
            JSONMember("tracked", number(tracked)),
            JSONMember("jobs", number(jobs)),
            JSONMember("payload_processes", number(payloadProcesses)),
            JSONMember("not_isolated", number(notIsolated)),
            JSONMember("records", number(recordsWritten)),
            JSONMember("errors", .object(errors.sorted { $0.key < $1.key }.map { JSONMember($0.key, number($0.value)) })),
            JSONMember("cycle_ms", number(lastCycleMilliseconds)),
            JSONMember("uptime_s", number(uptimeSeconds)),
            JSONMember("policy_sha256", .string(policySHA256)),
            JSONMember("final", .bool(final)),
            JSONMember("confinement", confinement ?? .null),
            JSONMember("syslog", syslog.map { counts -> JSONValue in
                .object([JSONMember("sent", number(counts.sent)), JSONMember("dropped", number(counts.dropped)),
                         JSONMember("queued", number(counts.queued))])
            } ?? .null),
            JSONMember("process_events", processEvents?.json ?? .null),
        ])
    }
}
