import Jobs
import ProcFS

/// Checks every job of a `JobGraph` (and the node) against a policy.
///
/// Evaluation is pure given the snapshot and the file inspector: the only I/O is looking at
/// credential files through a payload's root and at setuid runtimes on the host, both done by
/// `inspector`.
public struct PolicyEvaluator: Sendable {
    public var policy: Policy
    public var inspector: FileInspector

    public init(policy: Policy, inspector: FileInspector) {
        self.policy = policy
        self.inspector = inspector
    }

    public func audit(_ snapshot: Snapshot) -> AuditResult { audit(snapshot, reusing: nil) }

    /// An audit that takes over what has not changed since `previous` (the daemon's last cycle,
    /// same policy): the job graph, followed where only jobs' own processes came, went or
    /// changed and taken over when nothing that matters to it did
    /// (`ClassificationInput.updatedGraph`), and a job's verdicts when its processes and pilot
    /// have the same facts (the samplers hand back a known process's sample unchanged; only the state letter
    /// may differ, which no check reads). Rules that look at files (ISO-CRED) are evaluated afresh every
    /// time; those that look at the other jobs (ISO-XPAYLOAD: their uids and PID namespaces, how
    /// many) when another job came, went or changed; those that look at the node around the job
    /// (ptrace_scope, the mount tables) when that changed. A new job on a node of a thousand is
    /// then one job evaluated, not a thousand. A job's owner is looked up again when it was not found and the job changed, or when
    /// `lookUpOwners` is set. The result equals a full audit of the same snapshot whenever the
    /// files looked at did not change in between (tested against `audit(_:)`).
    ///
    /// The previous audit's jobs also keep their processes by identity (`JobClassifier.classify(_:earlier:)`):
    /// a payload root seen once stays a payload root wherever it goes, whatever the policy now is.
    public func audit(_ snapshot: Snapshot, reusing previous: AuditResult?, lookUpOwners: Bool = false) -> AuditResult {
        // Every file looked at once in this audit (a pilot's log once, not once per job).
        var evaluator = self
        evaluator.inspector = AuditFileCache(inspector)
        return evaluator.evaluate(snapshot, reusing: previous, lookUpOwners: lookUpOwners)
    }

    private func evaluate(_ snapshot: Snapshot, reusing previous: AuditResult?, lookUpOwners: Bool) -> AuditResult {
        let earlierGraph = previous?.graph
        let previous = previous.flatMap { $0.policy == policy ? $0 : nil }
        let graph: JobGraph
        if let previous, let updated = ClassificationInput.updatedGraph(previous.graph, from: previous.snapshot.processes,
                                                                         for: snapshot.processes, patterns: policy.pilots) {
            graph = updated
        } else {
            graph = JobClassifier(patterns: policy.pilots).classify(snapshot.processes, earlier: earlierGraph)
        }
        let peers = PeerIndex(graph.jobs)
        // What a job's checks see besides its own processes and pilot: the other jobs, the node.
        var changed = Surroundings()
        var earlier: [ReuseKey: JobAudit] = [:]
        if let previous {
            changed.otherJobs = !(previous.peers == peers
                && previous.graph.jobs.elementsEqual(graph.jobs) { $0.pandaID == $1.pandaID && $0.rootPID == $1.rootPID })
            changed.node = previous.snapshot.node.ptraceScope != snapshot.node.ptraceScope
                || previous.snapshot.mountNamespaces != snapshot.mountNamespaces
            earlier.reserveCapacity(previous.jobs.count)
            for jobAudit in previous.jobs { earlier[ReuseKey(jobAudit.job)] = jobAudit }
        }
        var jobs: [JobAudit] = []
        jobs.reserveCapacity(graph.jobs.count)
        var reused = 0
        let pilots = graph.pilotsByPID
        // A pilot runs many jobs: its batch cgroup is classified once per audit.
        var batches: [Int32: BatchCgroupMatch?] = [:]
        func batch(of pilot: Pilot?) -> BatchCgroupMatch? {
            guard let pilot else { return nil }
            if let known = batches[pilot.pid] { return known }
            let match = BatchCgroupClassifier(patterns: policy.batchSystems).classify([pilot.wrapper, pilot.process])
            batches[pilot.pid] = .some(match)
            return match
        }
        for job in graph.jobs {
            let pilot = pilots[job.pilotPID]
            if let before = earlier[ReuseKey(job)], before.runtimePIDs != nil, let pilot, let beforePilot = before.pilot,
               pilot.process.hasSameFacts(as: beforePilot.process), Self.sameSamples(job.processes, before.job.processes) {
                jobs.append(refreshed(before, job: job, pilot: pilot, snapshot: snapshot, graph: graph, peers: peers,
                                      changed: changed, lookUpOwner: lookUpOwners))
                reused += 1
                continue
            }
            jobs.append(evaluate(job, pilot: pilot, batch: batch(of: pilot), snapshot: snapshot, graph: graph, peers: peers))
        }
        var nodeFindings: [Finding] = []
        for rule in policy.rules where rule.check.isNodeCheck {
            nodeFindings.append(rule.enabled ? NodeChecks(rule: rule, snapshot: snapshot, inspector: inspector).evaluate() : skip(rule, pid: nil, "disabled by policy"))
        }
        if let attribution = policy.rules.first(where: { $0.check == .attribution && $0.enabled }), !graph.unattributed.isEmpty {
            nodeFindings.append(TraceabilityChecks.unattributed(rule: attribution, graph.unattributed))
        }
        var result = AuditResult(snapshot: snapshot, policy: policy, graph: graph, jobs: jobs, nodeFindings: nodeFindings)
        result.peers = peers
        result.jobsReused = reused
        result.jobsEvaluated = jobs.count - reused
        return result
    }

    /// Every job rule for one job, and its owner.
    private func evaluate(_ job: Job, pilot: Pilot?, batch: BatchCgroupMatch?, snapshot: Snapshot, graph: JobGraph,
                          peers: PeerIndex) -> JobAudit {
        let context = pilot.map {
            JobContext(job: job, pilot: $0.process, snapshot: snapshot, graph: graph, peers: peers, wrapper: $0.wrapper, batch: batch)
        }
        var findings: [Finding] = []
        for rule in policy.rules where !rule.check.isNodeCheck {
            guard let context else {
                findings.append(skip(rule, pid: job.rootPID, "no pilot visible for this job"))
                continue
            }
            findings.append(evaluate(rule, context))
        }
        let owner = pilot.flatMap {
            OwnerLocator(inspector: inspector, patterns: policy.pilots).owner(of: job, pilot: $0.process, runtimePIDs: context?.runtimePIDs)
        }
        var audit = JobAudit(job: job, pilot: pilot, owner: owner, findings: findings)
        audit.batch = batch
        audit.runtimePIDs = context?.runtimePIDs
        return audit
    }

    /// What changed around the jobs since the previous audit.
    private struct Surroundings {
        /// Another job came, went, or changed its uids or PID namespaces.
        var otherJobs = false
        /// ptrace_scope or a mount table.
        var node = false

        /// Whether `check` is to be evaluated again for a job whose own facts did not change.
        func affect(_ check: CheckKind) -> Bool {
            check.looksAtFiles || (otherJobs && check.looksAtOtherJobs) || (node && check.looksAtNode)
        }
    }

    /// A job unchanged since `before`: its verdicts kept; the rules that look at files, and those
    /// that look at what `changed` around it, evaluated again.
    private func refreshed(_ before: JobAudit, job: Job, pilot: Pilot, snapshot: Snapshot, graph: JobGraph, peers: PeerIndex,
                           changed: Surroundings, lookUpOwner: Bool) -> JobAudit {
        var audit = before
        audit.job = job
        audit.pilot = pilot
        let context = JobContext(job: job, pilot: pilot.process, snapshot: snapshot, graph: graph, peers: peers,
                                 runtimePIDs: before.runtimePIDs, wrapper: pilot.wrapper, batch: before.batch)
        var index = 0
        for rule in policy.rules where !rule.check.isNodeCheck {
            if changed.affect(rule.check) { audit.findings[index] = evaluate(rule, context) }
            index += 1
        }
        if audit.owner == nil && lookUpOwner {
            audit.owner = OwnerLocator(inspector: inspector, patterns: policy.pilots)
                .owner(of: job, pilot: pilot.process, runtimePIDs: context.runtimePIDs)
        }
        return audit
    }

    /// Same processes, in the same order, each the very sample it was or with the same facts.
    static func sameSamples(_ current: [ProcessSample], _ previous: [ProcessSample]) -> Bool {
        current.count == previous.count && zip(current, previous).allSatisfy { $0.hasSameFacts(as: $1) }
    }

    /// A job across audits: its PanDA ID and its payload root.
    private struct ReuseKey: Hashable {
        var pandaID: String
        var root: ProcessIdentity
        init(_ job: Job) {
            pandaID = job.pandaID
            root = job.root.identity
        }
    }

    func evaluate(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        guard rule.enabled else { return skip(rule, pid: context.job.rootPID, "disabled by policy") }
        let finding: Finding
        switch rule.check {
        case .differentUID: finding = IsolationChecks.differentUID(rule, context)
        case .differentNamespace: finding = IsolationChecks.differentNamespace(rule, context)
        case .procUnreadable: finding = IsolationChecks.procUnreadable(rule, context)
        case .signalBlocked: finding = IsolationChecks.signalBlocked(rule, context)
        case .ptraceBlocked: finding = IsolationChecks.ptraceBlocked(rule, context)
        case .credentialsUnreadable: finding = CredentialCheck(rule: rule, context: context, policy: policy, inspector: inspector).evaluate()
        case .privateTmp: finding = IsolationChecks.privateTmp(rule, context)
        case .crossPayload: finding = IsolationChecks.crossPayload(rule, context)
        case .noNewPrivs: finding = PrivilegeChecks.noNewPrivs(rule, context)
        case .noCapabilities: finding = PrivilegeChecks.noCapabilities(rule, context)
        case .attribution: finding = TraceabilityChecks.attribution(rule, context)
        case .cgroupContained: finding = TraceabilityChecks.cgroupContained(rule, context)
        case .nodePtraceScope, .nodeUserNamespaces, .nodeSetuidRuntime:
            finding = skip(rule, pid: nil, "node rule: evaluated once per audit")
        }
        return Exemptions.apply(rule, to: finding, context)
    }

    private func skip(_ rule: PolicyRule, pid: Int32?, _ reason: String) -> Finding {
        Finding(rule: rule.id, status: .skip, severity: rule.severity, pid: pid, message: reason)
    }
}

/// Looks at files for the checks: through a process's root, or on the host.
public protocol FileInspector: Sendable {
    /// `path` as the process `pid` sees it (resolved inside `/proc/<pid>/root`, never escaping it).
    func inspect(path: String, throughPID pid: Int32) -> FileFacts
    /// Several paths as `pid` sees them (an inspector may open the root once for all).
    func inspect(paths: [String], throughPID pid: Int32) -> [FileFacts]
    /// `path` on the host (the root the proc root belongs to).
    func inspectHost(path: String) -> FileFacts
    /// At most `limit` bytes of a regular file as process `pid` sees it (evidence, never credentials).
    func read(path: String, throughPID pid: Int32, limit: Int) -> (facts: FileFacts, content: [UInt8]?)
}

extension FileInspector {
    public func inspect(paths: [String], throughPID pid: Int32) -> [FileFacts] {
        paths.map { inspect(path: $0, throughPID: pid) }
    }
}

extension RootedFileInspector: FileInspector {}
