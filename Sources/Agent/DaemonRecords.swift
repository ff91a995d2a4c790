import Jobs
import Policy
import ProcFS
import Records

/// The bodies of the daemon's record types (DESIGN.md "Records"), built here and appended through
/// the chain writer's generic `append(RecordBody)`. Key names follow the audit contract: a
/// `process` record's PROCESS is the snapshot's process object plus `panda_id`, `task_id`,
/// `container`, `role`, `pilot` (identity), `first_seen` and `last_seen`, which is what the
/// index reads. Each record also names the `sampler` of the cycle that saw it.
public enum DaemonRecords {
    /// `process`: first sight of a pilot or payload process, with everything sampled about it.
    public static func process(_ process: TrackedProcess, sample: ProcessSample, sampler: SamplerKind? = nil) throws -> RecordBody {
        guard case .object(var members) = try JSONValue(json: SnapshotJSONWriter.encode(sample), of: "ProcessSample") else {
            preconditionFailure("a process sample encodes as a JSON object")
        }
        members += attribution(process)
        members.append(JSONMember("seen_by", .string("sample")))
        return RecordBody(type: .process, members: [JSONMember("process", .object(members))] + named(sampler))
    }

    /// `exit`: a recorded process is gone; `last_seen` is the last cycle that saw it.
    public static func exit(_ process: TrackedProcess, sampler: SamplerKind? = nil) -> RecordBody {
        var members = identity(process.identity)
        members += [
            JSONMember("start_time", .string(process.startTime.description)),
            JSONMember("comm", .string(process.comm)),
            JSONMember("uid", process.uid.map { .number(Double($0)) } ?? .null),
        ]
        members += attribution(process)
        members.append(JSONMember("seen_by", .string("sample")))
        return RecordBody(type: .exit, members: [JSONMember("process", .object(members))] + named(sampler))
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
