import Policy
import ProcFS

/// What changed between two audits, as the daemon records and reports it.
public enum TrackerEvent: Sendable {
    /// First sight of a pilot or payload process, with its full sample.
    case processStarted(TrackedProcess, ProcessSample)
    /// A recorded process is gone; `lastSeen` is the last audit that saw it.
    case processExited(TrackedProcess)
    case jobStarted(TrackedJob)
    case jobEnded(TrackedJob)
    /// A rule's verdict for a job (nil: the node) is new or differs from the last audit.
    case verdictChanged(VerdictChange)
}

/// One rule's verdict that changed; `previous` nil when the job (or rule) is new.
public struct VerdictChange: Sendable {
    public var job: JobKey?
    public var finding: Finding
    public var previous: Finding.Status?

    public init(job: JobKey?, finding: Finding, previous: Finding.Status?) {
        self.job = job
        self.finding = finding
        self.previous = previous
    }
}
