import Base
import Jobs
import ProcFS

/// Everything one audit found: the snapshot it looked at, the jobs with their verdicts, and the
/// node's findings. Encoded as the `isotrace audit --format json` contract.
public struct AuditResult: Sendable {
    public var snapshot: Snapshot
    public var policy: Policy
    public var graph: JobGraph
    public var jobs: [JobAudit]
    public var nodeFindings: [Finding]
    /// The cross-payload index this audit used: the next audit compares it with its own (reuse).
    var peers: PeerIndex?
    /// How many jobs this audit evaluated in full, and how many it took over from the previous
    /// audit (file-based rules evaluated afresh); see `PolicyEvaluator.audit(_:reusing:)`.
    public var jobsEvaluated = 0
    public var jobsReused = 0

    public init(snapshot: Snapshot, policy: Policy, graph: JobGraph, jobs: [JobAudit], nodeFindings: [Finding]) {
        self.snapshot = snapshot
        self.policy = policy
        self.graph = graph
        self.jobs = jobs
        self.nodeFindings = nodeFindings
    }

    public var allFindings: [Finding] { jobs.flatMap(\.findings) + nodeFindings }

    /// True when some failing finding is at or above `threshold`.
    public func fails(atOrAbove threshold: Severity) -> Bool {
        allFindings.contains { $0.status == .fail && $0.severity >= threshold }
    }
}

/// One job and the verdicts of every job rule for it.
public struct JobAudit: Sendable {
    public var job: Job
    public var pilot: Pilot?
    /// The submitter's DN, when the pilot's files name it.
    public var owner: JobOwner?
    public var findings: [Finding]
    /// The batch job the pilot runs in, as its cgroup names it (the policy's `batch_systems`).
    public var batch: BatchCgroupMatch?
    /// The job's container runtime chain (see `JobContext.runtimeChain`), kept for reuse.
    var runtimePIDs: Set<Int32>?

    public init(job: Job, pilot: Pilot?, owner: JobOwner? = nil, findings: [Finding]) {
        self.job = job
        self.pilot = pilot
        self.owner = owner
        self.findings = findings
    }

    /// A job is isolated when no rule of the isolation family (ISO-*) fails for it (DESIGN.md).
    public var isolated: Bool { !findings.contains { $0.family == .isolation && $0.status == .fail } }

    public var failingRules: [String] { findings.filter { $0.status == .fail }.map(\.rule) }

    /// The batch job ID to report: the batch system's cgroup when it names one (the payload
    /// cannot set it), else the pilot side's environment.
    public var batchJobID: BatchJobID? {
        if let batch, let id = batch.jobID {
            return BatchJobID(variable: batch.jobIDVariable ?? job.batchJobID?.variable ?? "cgroup", value: id, source: .cgroup)
        }
        return job.batchJobID
    }
}
