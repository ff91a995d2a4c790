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
    public private(set) var processes: [ProcessIdentity: TrackedProcess] = [:]
    public private(set) var jobs: [JobKey: TrackedJob] = [:]
    private var verdicts: [VerdictKey: Finding.Status] = [:]

    private struct VerdictKey: Hashable {
        var job: JobKey?
        var rule: String
    }

    public init() {}

    public mutating func update(with audit: AuditResult) -> [TrackerEvent] {
        let now = audit.snapshot.takenAt
        var events: [TrackerEvent] = []
        let present = Set(audit.snapshot.processes.map(\.identity))

        // Exits first: a PID reused within one interval is an exit and a start, in that order.
        let gone = processes.values.filter { !present.contains($0.identity) }.sorted { $0.identity.pid < $1.identity.pid }
        for process in gone {
            events.append(.processExited(process))
            processes[process.identity] = nil
        }
        for (sample, role, attribution) in Self.watched(audit) {
            if var known = processes[sample.identity] {
                known.lastSeen = now
                processes[sample.identity] = known
                continue
            }
            let process = TrackedProcess(
                identity: sample.identity, role: role, pandaID: attribution.pandaID, taskID: attribution.taskID,
                pilot: attribution.pilot, container: attribution.container, startTime: sample.startTime, comm: sample.stat.comm,
                uid: sample.effectiveUID, firstSeen: now, lastSeen: now)
            processes[sample.identity] = process
            events.append(.processStarted(process, sample))
        }
        // A recorded process that is still alive but no longer classified (its pilot exited) is
        // kept until it is gone.
        for (identity, var process) in processes where present.contains(identity) && process.lastSeen != now {
            process.lastSeen = now
            processes[identity] = process
        }

        events += updateJobs(audit, now: now)
        return events
    }

    private mutating func updateJobs(_ audit: AuditResult, now: UTCTime) -> [TrackerEvent] {
        var events: [TrackerEvent] = []
        var current: [JobKey: TrackedJob] = [:]
        for jobAudit in audit.jobs {
            let job = jobAudit.job
            let key = JobKey(pandaID: job.pandaID, pilot: jobAudit.pilot?.process.identity)
            let tracked = TrackedJob(
                key: key, taskID: job.taskID, rootPID: job.rootPID, isolated: jobAudit.isolated,
                failingRules: jobAudit.failingRules, container: job.container, jobDirectory: job.jobDirectory,
                firstSeen: jobs[key]?.firstSeen ?? now, lastSeen: now)
            if jobs[key] == nil { events.append(.jobStarted(tracked)) }
            current[key] = tracked
            events += verdictChanges(jobAudit.findings, job: key)
        }
        for job in jobs.values.filter({ current[$0.key] == nil }).sorted(by: { $0.rootPID < $1.rootPID }) {
            let key = job.key
            events.append(.jobEnded(job))
            verdicts = verdicts.filter { $0.key.job != key }
        }
        jobs = current
        events += verdictChanges(audit.nodeFindings, job: nil)
        return events
    }

    private mutating func verdictChanges(_ findings: [Finding], job: JobKey?) -> [TrackerEvent] {
        var events: [TrackerEvent] = []
        for finding in findings {
            let key = VerdictKey(job: job, rule: finding.rule)
            let previous = verdicts[key]
            if previous != finding.status {
                events.append(.verdictChanged(VerdictChange(job: job, finding: finding, previous: previous)))
                verdicts[key] = finding.status
            }
        }
        return events
    }

    /// Attribution of a watched process at first sight.
    struct Attribution {
        var pandaID: String?
        var taskID: String?
        var pilot: ProcessIdentity?
        var container: ContainerInfo?
    }

    /// Pilots (with their wrappers), payload processes and unattributed claimants of an audit.
    static func watched(_ audit: AuditResult) -> [(ProcessSample, ProcessRole, Attribution)] {
        var result: [(ProcessSample, ProcessRole, Attribution)] = []
        var seen: Set<ProcessIdentity> = []
        func add(_ sample: ProcessSample, _ role: ProcessRole, _ attribution: Attribution) {
            if seen.insert(sample.identity).inserted { result.append((sample, role, attribution)) }
        }
        for pilot in audit.graph.pilots {
            add(pilot.process, .pilot, Attribution())
            if let wrapper = pilot.wrapper { add(wrapper, .pilotWrapper, Attribution()) }
        }
        for job in audit.graph.jobs {
            let pilot = audit.graph.pilot(pid: job.pilotPID)?.process.identity
            for process in job.processes {
                add(process, .payload, Attribution(pandaID: job.pandaID, taskID: job.taskID, pilot: pilot, container: job.containers[process.pid]))
            }
        }
        for entry in audit.graph.unattributed {
            add(entry.process, .unattributed, Attribution(pandaID: entry.claimedPandaID))
        }
        return result
    }
}
