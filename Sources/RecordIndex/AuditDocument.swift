import Records

/// The audit result embedded in an `audit` record (the `isotrace audit --format json` contract),
/// reduced to what the index stores.
struct AuditDocument: Decodable {
    var takenAt: String?
    var jobs: [AuditJob]
    var unattributed: [RecordedProcess]?
    var nodeFindings: [RecordedFindingFacts]?

    enum CodingKeys: String, CodingKey {
        case takenAt = "taken_at", jobs, unattributed, nodeFindings = "node_findings"
    }
}

/// One job of an audit: its pilot, payload processes, verdict and findings.
struct AuditJob {
    var pandaID: String
    var taskID: String?
    var isolated: Bool?
    var failingRules: [String]?
    var pilot: RecordedProcess?
    var pilotWrapper: RecordedProcess?
    var processes: [RecordedProcess]
    var container: RecordedContainer?
    var jobDirectory: String?
    var batchJobID: RecordedBatchJobID?
    var findings: [RecordedFindingFacts]?

    enum CodingKeys: String, CodingKey {
        case pandaID = "panda_id", taskID = "task_id", isolated, failingRules = "failing_rules", pilot
        case pilotWrapper = "pilot_wrapper", processes, container, jobDirectory = "job_directory"
        case batchJobID = "batch_job_id", findings
    }
}

extension AuditJob: Decodable {
    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pandaID = try container.decode(LenientString.self, forKey: .pandaID).value
        taskID = try container.decodeIfPresent(LenientString.self, forKey: .taskID)?.value
        isolated = try container.decodeIfPresent(Bool.self, forKey: .isolated)
        failingRules = try container.decodeIfPresent([String].self, forKey: .failingRules)
        pilot = try container.decodeIfPresent(RecordedProcess.self, forKey: .pilot)
        pilotWrapper = try container.decodeIfPresent(RecordedProcess.self, forKey: .pilotWrapper)
        processes = try container.decodeIfPresent([RecordedProcess].self, forKey: .processes) ?? []
        self.container = try container.decodeIfPresent(RecordedContainer.self, forKey: .container)
        jobDirectory = try container.decodeIfPresent(String.self, forKey: .jobDirectory)
        batchJobID = try container.decodeIfPresent(RecordedBatchJobID.self, forKey: .batchJobID)
        findings = try container.decodeIfPresent([RecordedFindingFacts].self, forKey: .findings)
    }
}

/// A container runtime and, when the command line showed it, its image.
struct RecordedContainer: Decodable {
    var runtime: String?
    var image: String?
}

/// The batch system's job ID (`HTCondor_Job_ID`, `SLURM_JOB_ID`, ...).
struct RecordedBatchJobID: Decodable {
    var variable: String?
    var value: String?

    var text: String? { value.map { v in variable.map { "\($0)=\(v)" } ?? v } }
}

/// One finding as an audit records it.
struct RecordedFindingFacts: Decodable {
    var rule: String
    var status: String
    var severity: String?
    var pid: Int64?
    var message: String?
    var evidence: FindingEvidence?
}

/// A finding's evidence as the index got it: decoded from a line (`EvidenceValue`), or the value
/// the writer signed (`RecordValueReader`), written as text without decoding it.
enum FindingEvidence: Decodable {
    case decoded(EvidenceValue)
    case value(JSONValue)

    init(from decoder: Decoder) throws {
        self = .decoded(try EvidenceValue(from: decoder))
    }
}
