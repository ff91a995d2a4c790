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

    public func audit(_ snapshot: Snapshot) -> AuditResult {
        let graph = JobClassifier(patterns: policy.pilots).classify(snapshot.processes)
        var jobs: [JobAudit] = []
        let peers = PeerIndex(graph.jobs)
        for job in graph.jobs {
            let pilot = graph.pilot(pid: job.pilotPID)
            let context = pilot.map { JobContext(job: job, pilot: $0.process, snapshot: snapshot, graph: graph, peers: peers) }
            var findings: [Finding] = []
            for rule in policy.rules where !rule.check.isNodeCheck {
                guard let context else {
                    findings.append(skip(rule, pid: job.rootPID, "no pilot visible for this job"))
                    continue
                }
                findings.append(evaluate(rule, context))
            }
            let owner = pilot.flatMap { OwnerLocator(inspector: inspector).owner(of: job, pilot: $0.process) }
            jobs.append(JobAudit(job: job, pilot: pilot, owner: owner, findings: findings))
        }
        var nodeFindings: [Finding] = []
        for rule in policy.rules where rule.check.isNodeCheck {
            nodeFindings.append(rule.enabled ? NodeChecks(rule: rule, snapshot: snapshot, inspector: inspector).evaluate() : skip(rule, pid: nil, "disabled by policy"))
        }
        if let attribution = policy.rules.first(where: { $0.check == .attribution && $0.enabled }), !graph.unattributed.isEmpty {
            nodeFindings.append(TraceabilityChecks.unattributed(rule: attribution, graph.unattributed))
        }
        return AuditResult(snapshot: snapshot, policy: policy, graph: graph, jobs: jobs, nodeFindings: nodeFindings)
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
    /// `path` on the host (the root the proc root belongs to).
    func inspectHost(path: String) -> FileFacts
    /// At most `limit` bytes of a regular file as process `pid` sees it (evidence, never credentials).
    func read(path: String, throughPID pid: Int32, limit: Int) -> (facts: FileFacts, content: [UInt8]?)
}

extension RootedFileInspector: FileInspector {}
