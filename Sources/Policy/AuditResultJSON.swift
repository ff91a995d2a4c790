import Jobs
import ProcFS

// The JSON shape of an audit (`isotrace audit --format json`): a contract other tools rely on.
// {"summary", "node", "policy", "jobs": [{"panda_id", "task_id", "isolated", "pilot", "processes",
// "findings", "batch_job_id", "batch_system", "batch_cgroup", "batch_pattern", ...}], "unattributed", "node_findings", "sampler"}; a PROCESS is the snapshot process plus
// "panda_id" and "container".

extension AuditResult: Encodable {
    enum CodingKeys: String, CodingKey {
        case summary, node, policy, jobs, unattributed, nodeFindings = "node_findings", takenAt = "taken_at"
        case procRoot = "proc_root", counters, errors, sampler
    }

    enum SummaryKeys: String, CodingKey {
        case processes, pilots, jobs, payloadProcesses = "payload_processes", notIsolated = "not_isolated"
        case unattributed, fail, warn, pass, skip
    }

    enum PolicyKeys: String, CodingKey { case id, version, sha256, title }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var summary = container.nestedContainer(keyedBy: SummaryKeys.self, forKey: .summary)
        try summary.encode(snapshot.processes.count, forKey: .processes)
        try summary.encode(graph.pilots.count, forKey: .pilots)
        try summary.encode(jobs.count, forKey: .jobs)
        try summary.encode(graph.payloadProcessCount, forKey: .payloadProcesses)
        try summary.encode(jobs.filter { !$0.isolated }.count, forKey: .notIsolated)
        try summary.encode(graph.unattributed.count, forKey: .unattributed)
        let findings = allFindings
        try summary.encode(findings.filter { $0.status == .fail }.count, forKey: .fail)
        try summary.encode(findings.filter { $0.status == .warn }.count, forKey: .warn)
        try summary.encode(findings.filter { $0.status == .pass }.count, forKey: .pass)
        try summary.encode(findings.filter { $0.status == .skip }.count, forKey: .skip)
        try container.encode(snapshot.node, forKey: .node)
        var policyContainer = container.nestedContainer(keyedBy: PolicyKeys.self, forKey: .policy)
        try policyContainer.encode(policy.id, forKey: .id)
        try policyContainer.encode(policy.version, forKey: .version)
        try policyContainer.encode(policy.sha256, forKey: .sha256)
        try policyContainer.encode(policy.title, forKey: .title)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(graph.unattributed.map { AuditProcess(sample: $0.process, pandaID: $0.claimedPandaID, container: nil) }, forKey: .unattributed)
        try container.encode(nodeFindings, forKey: .nodeFindings)
        try container.encode(snapshot.takenAt.description, forKey: .takenAt)
        try container.encode(snapshot.procRoot, forKey: .procRoot)
        try container.encode(snapshot.counters, forKey: .counters)
        try container.encode(snapshot.problems, forKey: .errors)
        try container.encode(snapshot.sampler, forKey: .sampler)
    }
}

extension JobAudit: Encodable {
    enum CodingKeys: String, CodingKey {
        case pandaID = "panda_id", taskID = "task_id", attemptNumber = "attempt_nr", isolated, pilot, pilotWrapper = "pilot_wrapper"
        case processes, findings, container, jobDirectory = "job_directory", batchJobID = "batch_job_id"
        case attribution, spoofs, failing = "failing_rules", owner, rootRecognition = "root_recognition"
        case batchSystem = "batch_system", batchCgroup = "batch_cgroup", batchPattern = "batch_pattern"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(job.pandaID, forKey: .pandaID)
        try container.encodeOrNull(job.taskID, forKey: .taskID)
        try container.encodeOrNull(job.attemptNumber, forKey: .attemptNumber)
        try container.encode(isolated, forKey: .isolated)
        try container.encode(failingRules, forKey: .failing)
        if let pilot {
            try container.encode(AuditProcess(sample: pilot.process, pandaID: nil, container: nil), forKey: .pilot)
            try container.encodeOrNull(pilot.wrapper.map { AuditProcess(sample: $0, pandaID: nil, container: nil) }, forKey: .pilotWrapper)
        } else {
            try container.encodeNil(forKey: .pilot)
            try container.encodeNil(forKey: .pilotWrapper)
        }
        try container.encode(job.processes.map { AuditProcess(sample: $0, pandaID: job.pandaID, container: job.containers[$0.pid]) }, forKey: .processes)
        try container.encode(findings, forKey: .findings)
        try container.encodeOrNull(job.container, forKey: .container)
        try container.encode(job.jobDirectory, forKey: .jobDirectory)
        try container.encodeOrNull(batchJobID, forKey: .batchJobID)
        try container.encodeOrNull(batch?.system, forKey: .batchSystem)
        try container.encodeOrNull(batch?.cgroup, forKey: .batchCgroup)
        try container.encodeOrNull(batch?.patternID, forKey: .batchPattern)
        try container.encode(job.evidence + job.conflicts.filter { !job.evidence.contains($0) }, forKey: .attribution)
        try container.encode(job.spoofs, forKey: .spoofs)
        try container.encode(job.rootRecognition, forKey: .rootRecognition)
        try container.encodeOrNull(owner, forKey: .owner)
    }
}

/// A snapshot process with the audit's additions.
struct AuditProcess: Encodable {
    var sample: ProcessSample
    var pandaID: String?
    var container: ContainerInfo?

    enum CodingKeys: String, CodingKey { case pandaID = "panda_id", container }

    func encode(to encoder: Encoder) throws {
        try sample.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeOrNull(pandaID, forKey: .pandaID)
        try container.encodeOrNull(self.container, forKey: .container)
    }
}

extension Finding: Encodable {
    enum CodingKeys: String, CodingKey { case rule, status, severity, pid, message, evidence }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule, forKey: .rule)
        try container.encode(status, forKey: .status)
        try container.encode(severity, forKey: .severity)
        try container.encodeOrNull(pid, forKey: .pid)
        try container.encode(message, forKey: .message)
        try container.encode(evidence, forKey: .evidence)
    }
}
