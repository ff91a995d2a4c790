import Base

/// Everything recorded for one PanDA job: task, pilot, every process (pilot side and payload)
/// with start and last-seen times, its verdicts and findings, each with the records proving it.
public struct JobReport: Encodable, Equatable, Sendable {
    public var pandaID: String
    public var taskID: String?
    public var firstSeen: UTCTime?
    public var lastSeen: UTCTime?
    /// The latest verdict (ISO-* rules all passing), nil when no record judged the job.
    public var isolated: Bool?
    public var pilot: ProcessIdentityReport?
    public var containerRuntime: String?
    public var containerImage: String?
    public var jobDirectory: String?
    public var batchJobID: String?
    public var verdicts: [VerdictReport]
    /// Pilot, pilot wrapper and payload processes (see `role`), by start time.
    public var processes: [ProcessReport]
    public var findings: [FindingReport]
    /// The records that state the job itself (its task, pilot, verdict).
    public var records: [RecordReference]
    /// The findings once per change of a rule's status for a process (what `query` shows;
    /// `findings` above, in the JSON, groups equal findings wherever they occur).
    public var findingChanges: [FindingChange] = []

    /// The payload processes only.
    public var payloadProcesses: [ProcessReport] { processes.filter { $0.role == "payload" } }

    enum CodingKeys: String, CodingKey {
        case pandaID = "panda_id", taskID = "task_id", firstSeen = "first_seen", lastSeen = "last_seen", isolated
        case pilot, container, jobDirectory = "job_directory", batchJobID = "batch_job_id", verdicts, processes
        case findings, records
    }


    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pandaID, forKey: .pandaID)
        try container.encodeValueOrNull(taskID, forKey: .taskID)
        try container.encodeValueOrNull(firstSeen?.description, forKey: .firstSeen)
        try container.encodeValueOrNull(lastSeen?.description, forKey: .lastSeen)
        try container.encodeValueOrNull(isolated, forKey: .isolated)
        try container.encodeValueOrNull(pilot, forKey: .pilot)
        try container.encodeContainer(runtime: containerRuntime, image: containerImage, forKey: .container)
        try container.encodeValueOrNull(jobDirectory, forKey: .jobDirectory)
        try container.encodeValueOrNull(batchJobID, forKey: .batchJobID)
        try container.encode(verdicts, forKey: .verdicts)
        try container.encode(processes, forKey: .processes)
        try container.encode(findings, forKey: .findings)
        try container.encode(records, forKey: .records)
    }
}

/// One verdict on a job (isolated or not, and which rules failed) over the span of records that
/// gave it.
public struct VerdictReport: Encodable, Equatable, Sendable {
    public var isolated: Bool?
    public var failingRules: [String]
    /// The pilot instance the job ran under when it was judged.
    public var pilot: ProcessIdentityReport?
    public var firstSeen: UTCTime
    public var lastSeen: UTCTime
    public var records: [RecordReference]

    enum CodingKeys: String, CodingKey {
        case isolated, failingRules = "failing_rules", pilot, firstSeen = "first_seen", lastSeen = "last_seen", records
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeValueOrNull(isolated, forKey: .isolated)
        try container.encode(failingRules, forKey: .failingRules)
        try container.encodeValueOrNull(pilot, forKey: .pilot)
        try container.encode(firstSeen.description, forKey: .firstSeen)
        try container.encode(lastSeen.description, forKey: .lastSeen)
        try container.encode(records, forKey: .records)
    }
}

/// One finding (rule, status, process, message, evidence) over the span of records that state it.
public struct FindingReport: Encodable, Equatable, Sendable {
    public var rule: String
    public var status: String
    public var severity: String?
    public var pid: Int64?
    public var message: String?
    public var evidence: EvidenceValue?
    public var firstSeen: UTCTime
    public var lastSeen: UTCTime
    public var records: [RecordReference]

    enum CodingKeys: String, CodingKey {
        case rule, status, severity, pid, message, evidence, firstSeen = "first_seen", lastSeen = "last_seen", records
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule, forKey: .rule)
        try container.encode(status, forKey: .status)
        try container.encodeValueOrNull(severity, forKey: .severity)
        try container.encodeValueOrNull(pid, forKey: .pid)
        try container.encodeValueOrNull(message, forKey: .message)
        try container.encodeValueOrNull(evidence, forKey: .evidence)
        try container.encode(firstSeen.description, forKey: .firstSeen)
        try container.encode(lastSeen.description, forKey: .lastSeen)
        try container.encode(records, forKey: .records)
    }
}
