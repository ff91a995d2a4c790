import Base
import Jobs
import Policy
import ProcFS

/// What the daemon knows between cycles, by process identity (boot_id, pid, start_ticks): the
/// pilot and payload processes it has recorded, the jobs present, and each job rule's last
/// verdict. `update` turns a new audit into the events to record: first sight of a process
/// (once, even for a process seen in one cycle only), its exit (with the last time it was seen),
/// a job's start and end, and every verdict that is new or changed.
///
/// Memory is bounded by what is alive: an exited process, an ended job and its verdicts are
/// forgotten as soon as their events are emitted.
public struct ProcessTracker: Sendable {
    /// Recorded processes still alive; their `lastSeen` is filled in when they exit (every
    /// process present in a cycle is seen in it, so a process gone now was last seen in the
    /// cycle before: no per-process write each cycle).
    public private(set) var processes: [ProcessIdentity: TrackedProcess] = [:]
    public private(set) var jobs: [JobKey: TrackedJob] = [:]
    /// The recorded processes the last update found gone, as they were recorded (their
    /// `lastSeen` not filled in): with `processes`, every process the update before it held.
    public private(set) var ended: [ProcessIdentity: TrackedProcess] = [:]
    /// Every process of the last update's sample (recorded or not).
    public private(set) var sampled: Set<ProcessIdentity> = []
    /// Each job's (nil: the node's) last verdict per rule, in the order the rules came.
    private var verdicts: [JobKey?: [RuleVerdict]] = [:]
    /// When the previous update's audit was taken.
    private var lastCycle: UTCTime?

    private struct RuleVerdict {
        var rule: String
        var status: Finding.Status
    }

    public init() {}

    public mutating func update(with audit: AuditResult) -> [TrackerEvent] {
        let now = audit.snapshot.takenAt
        defer { lastCycle = now }
        var events: [TrackerEvent] = []
        var present: Set<ProcessIdentity> = []
        present.reserveCapacity(audit.snapshot.processes.count)
        for process in audit.snapshot.processes { present.insert(process.identity) }

        // Exits first: a PID reused within one interval is an exit and a start, in that order.
        var gone = processes.values.filter { !present.contains($0.identity) }
        gone.sort { $0.identity.pid < $1.identity.pid }
        ended = [:]
        ended.reserveCapacity(gone.count)
        for var process in gone {
            ended[process.identity] = process
            process.lastSeen = lastCycle ?? process.firstSeen
            events.append(.processExited(process))
            processes[process.identity] = nil
        }
        Self.forEachWatched(audit) { sample, role, attribution in
            // A process in two roles (a pilot that is also another job's payload) is recorded once, first role first.
            guard processes[sample.identity] == nil else { return }
            let process = TrackedProcess(
                identity: sample.identity, role: role, pandaID: attribution.pandaID, taskID: attribution.taskID,
                pilot: attribution.pilot, container: attribution.container, startTime: sample.startTime, comm: sample.stat.comm,
                uid: sample.effectiveUID, firstSeen: now, lastSeen: now, isJobRoot: attribution.isJobRoot)
            processes[sample.identity] = process
            events.append(.processStarted(process, sample))
        }
        // A recorded process that is still alive but no longer classified (its pilot exited) is
        // kept until it is gone.

        events += updateJobs(audit, now: now)
        sampled = present
        return events
    }

    private mutating func updateJobs(_ audit: AuditResult, now: UTCTime) -> [TrackerEvent] {
        var events: [TrackerEvent] = []
        var current: [JobKey: TrackedJob] = [:]
        for jobAudit in audit.jobs {
            let job = jobAudit.job
            let key = JobKey(pandaID: job.pandaID, pilot: jobAudit.pilot?.process.identity)
            let tracked = TrackedJob(
                key: key, taskID: job.taskID, rootPID: job.rootPID, rootUID: job.root.effectiveUID, isolated: jobAudit.isolated,
                failingRules: jobAudit.failingRules, container: job.container, jobDirectory: job.jobDirectory,
                firstSeen: jobs[key]?.firstSeen ?? now, lastSeen: now)
            if jobs[key] == nil { events.append(.jobStarted(tracked)) }
            current[key] = tracked
            events += verdictChanges(jobAudit.findings, job: key)
        }
        for job in jobs.values.filter({ current[$0.key] == nil }).sorted(by: { $0.rootPID < $1.rootPID }) {
            let key = job.key
            events.append(.jobEnded(job))
            verdicts[key] = nil
        }
        jobs = current
        events += verdictChanges(audit.nodeFindings, job: nil)
        return events
    }

    private mutating func verdictChanges(_ findings: [Finding], job: JobKey?) -> [TrackerEvent] {
        var known = verdicts[job] ?? []
        // The common case, every verdict as it was: one comparison per rule, no lookups.
        if known.count == findings.count && zip(known, findings).allSatisfy({ $0.rule == $1.rule && $0.status == $1.status }) {
            return []
        }
        var events: [TrackerEvent] = []
        for finding in findings {
            let index = known.firstIndex { $0.rule == finding.rule }
            let previous = index.map { known[$0].status }
            guard previous != finding.status else { continue }
            events.append(.verdictChanged(VerdictChange(job: job, finding: finding, previous: previous)))
            if let index { known[index].status = finding.status } else { known.append(RuleVerdict(rule: finding.rule, status: finding.status)) }
        }
        verdicts[job] = known
        return events
    }

    /// Attribution of a watched process at first sight.
    struct Attribution {
        var pandaID: String?
        var taskID: String?
        var pilot: ProcessIdentity?
        var container: ContainerInfo?
        var isJobRoot = false
    }

    /// Pilots (with their wrappers), payload processes and unattributed claimants of an audit, in
    /// that order (a process may come more than once).
    static func forEachWatched(_ audit: AuditResult, _ body: (ProcessSample, ProcessRole, Attribution) -> Void) {
        for pilot in audit.graph.pilots {
            body(pilot.process, .pilot, Attribution())
            if let wrapper = pilot.wrapper { body(wrapper, .pilotWrapper, Attribution()) }
        }
        let pilots = audit.graph.pilotsByPID
        for job in audit.graph.jobs {
            let pilot = pilots[job.pilotPID]?.process.identity
            for process in job.processes {
                body(process, .payload, Attribution(pandaID: job.pandaID, taskID: job.taskID, pilot: pilot, container: job.containers[process.pid],
                                                    isJobRoot: process.identity == job.root.identity))
            }
        }
        for entry in audit.graph.unattributed {
            body(entry.process, .unattributed, Attribution(pandaID: entry.claimedPandaID))
        }
    }
}
