/// What an `audit` record's AUDIT states that its readers (the index) take from it, as typed
/// values equal to reading them from the record's JSON (null or absent is nil): when it was
/// taken, each job (IDs, verdict, pilot, pilot wrapper, payload processes, container, job
/// directory, batch job ID, findings), the unattributed processes and the node's findings. The
/// audit record's writer hands them along with the body it built from the same audit
/// (`RecordBody.auditFacts`), so that the index need not read the ~15 MB body of a node of 2,000
/// processes back into values.
public struct AuditFacts: Sendable, Equatable {
    /// `taken_at`.
    public var takenAt: String?
    public var jobs: [Job]
    /// `unattributed`: each with the PanDA ID it claims (`panda_id`).
    public var unattributed: [ProcessFacts]?
    /// `node_findings`.
    public var nodeFindings: [Finding]?

    public init(takenAt: String?, jobs: [Job], unattributed: [ProcessFacts]?, nodeFindings: [Finding]?) {
        self.takenAt = takenAt
        self.jobs = jobs
        self.unattributed = unattributed
        self.nodeFindings = nodeFindings
    }

    /// One of `jobs`.
    public struct Job: Sendable, Equatable {
        public var pandaID: String
        public var taskID: String?
        public var isolated: Bool?
        /// `failing_rules`.
        public var failingRules: [String]?
        public var pilot: ProcessFacts?
        /// `pilot_wrapper`.
        public var pilotWrapper: ProcessFacts?
        /// `processes`: the payload processes, each with the job's `panda_id` and its `container`.
        public var processes: [ProcessFacts]
        public var container: ProcessFacts.Container?
        /// `job_directory`.
        public var jobDirectory: String?
        /// `batch_job_id`: (variable, value).
        public var batchJobID: BatchJobID?
        public var findings: [Finding]?

        public init(pandaID: String, taskID: String?, isolated: Bool?, failingRules: [String]?, pilot: ProcessFacts?,
                    pilotWrapper: ProcessFacts?, processes: [ProcessFacts], container: ProcessFacts.Container?, jobDirectory: String?,
                    batchJobID: BatchJobID?, findings: [Finding]?) {
            self.pandaID = pandaID
            self.taskID = taskID
            self.isolated = isolated
            self.failingRules = failingRules
            self.pilot = pilot
            self.pilotWrapper = pilotWrapper
            self.processes = processes
            self.container = container
            self.jobDirectory = jobDirectory
            self.batchJobID = batchJobID
            self.findings = findings
        }
    }

    /// `batch_job_id`.
    public struct BatchJobID: Sendable, Equatable {
        public var variable: String?
        public var value: String?

        public init(variable: String?, value: String?) {
            self.variable = variable
            self.value = value
        }
    }

    /// A finding (`findings`, `node_findings`): `evidence` is the object as the record states it.
    public struct Finding: Sendable, Equatable {
        public var rule: String
        public var status: String
        public var severity: String?
        public var pid: Int64?
        public var message: String?
        public var evidence: JSONValue?

        public init(rule: String, status: String, severity: String?, pid: Int64?, message: String?, evidence: JSONValue?) {
            self.rule = rule
            self.status = status
            self.severity = severity
            self.pid = pid
            self.message = message
            self.evidence = evidence
        }
    }
}
