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
extension AuditDocument {
    /// The audit the facts state, as reading the AUDIT object gives it; nil when one of its
    /// processes or findings states an integer beyond 2^53 or a pilot's null start_ticks (see
    /// `RecordedProcess(handedOver:)`), which reading the object answers otherwise.
    init?(handedOver facts: AuditFacts) {
        func processes(_ facts: [ProcessFacts]) -> [RecordedProcess]? {
            var processes: [RecordedProcess] = []
            processes.reserveCapacity(facts.count)
            for fact in facts {
                guard let process = RecordedProcess(handedOver: fact) else { return nil }
                processes.append(process)
            }
            return processes
        }
        func findings(_ facts: [AuditFacts.Finding]?) -> [RecordedFindingFacts]?? {
            guard let facts else { return .some(nil) }
            var findings: [RecordedFindingFacts] = []
            findings.reserveCapacity(facts.count)
            for fact in facts {
                guard let finding = RecordedFindingFacts(handedOver: fact) else { return nil }
                findings.append(finding)
            }
            return .some(findings)
        }
        var jobs: [AuditJob] = []
        jobs.reserveCapacity(facts.jobs.count)
        for job in facts.jobs {
            guard let payload = processes(job.processes), let jobFindings = findings(job.findings) else { return nil }
            var pilot: RecordedProcess?, wrapper: RecordedProcess?
            if let fact = job.pilot {
                guard let process = RecordedProcess(handedOver: fact) else { return nil }
                pilot = process
            }
            if let fact = job.pilotWrapper {
                guard let process = RecordedProcess(handedOver: fact) else { return nil }
                wrapper = process
            }
            jobs.append(AuditJob(
                pandaID: job.pandaID, taskID: job.taskID, isolated: job.isolated, failingRules: job.failingRules, pilot: pilot,
                pilotWrapper: wrapper, processes: payload, container: job.container.map { RecordedContainer(runtime: $0.runtime, image: $0.image) },
                jobDirectory: job.jobDirectory, batchJobID: job.batchJobID.map { RecordedBatchJobID(variable: $0.variable, value: $0.value) },
                findings: jobFindings))
        }
        var unattributed: [RecordedProcess]?
        if let facts = facts.unattributed {
            guard let read = processes(facts) else { return nil }
            unattributed = read
        }
        guard let nodeFindings = findings(facts.nodeFindings) else { return nil }
        self.init(takenAt: facts.takenAt, jobs: jobs, unattributed: unattributed, nodeFindings: nodeFindings)
    }
}

extension RecordedFindingFacts {
    /// The finding the facts state; nil when its pid or an evidence number is beyond 2^53.
    init?(handedOver facts: AuditFacts.Finding) {
        guard facts.pid.map({ $0.magnitude <= JSONValue.maxExactInteger.magnitude }) ?? true,
              facts.evidence.map(Self.exactNumbers) ?? true else { return nil }
        self.init(rule: facts.rule, status: facts.status, severity: facts.severity, pid: facts.pid, message: facts.message,
                  evidence: facts.evidence.map { .value($0) })
    }

    private static func exactNumbers(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): return number.magnitude <= Double(JSONValue.maxExactInteger)
        case .array(let elements): return elements.allSatisfy(exactNumbers)
        case .object(let members): return members.allSatisfy { exactNumbers($0.value) }
        case .null, .bool, .string: return true
        }
    }
}
