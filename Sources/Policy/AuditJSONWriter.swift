import Jobs
import ProcFS

/// Writes an audit as JSON bytes directly, streamed in pieces of about 64 KiB: the
/// `isotrace audit --format json` document without building it in memory.
///
/// The output is the same document, byte for byte, as `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` makes from the `Encodable` conformances in
/// AuditResultJSON.swift (the tests compare the two on fixture trees and on a live audit). Each
/// process object is the snapshot writer's own (`SnapshotJSONWriter`), with the audit's
/// `panda_id` and `container` put in where they sort; keys of every other object are written in
/// sorted order, and optionals the synthesized `Codable` leaves out are left out here too.
public enum AuditJSONWriter {
    /// The whole document as one array (tests, the audit record).
    public static func encode(_ result: AuditResult) -> [UInt8] {
        var whole: [UInt8] = []
        write(result) { whole.append(contentsOf: $0) }
        return whole
    }

    /// Writes the document through `output`, in pieces of about 64 KiB.
    public static func write(_ result: AuditResult, to output: ([UInt8]) -> Void) {
        var json = JSONBytes(capacity: 65536 + 4096)
        let snapshot = result.snapshot
        json.beginObject()
        json.key("counters"); SnapshotJSONWriter.write(snapshot.counters, &json)
        json.key("errors")
        json.beginArray()
        for problem in snapshot.problems { SnapshotJSONWriter.write(problem, &json) }
        json.endArray()
        json.key("jobs")
        json.beginArray()
        for job in result.jobs {
            write(job, &json)
            json.flush(to: output)
        }
        json.endArray()
        json.key("node"); SnapshotJSONWriter.write(snapshot.node, &json)
        json.key("node_findings")
        json.beginArray()
        for finding in result.nodeFindings { write(finding, &json) }
        json.endArray()
        json.key("policy")
        json.beginObject()
        json.key("id"); json.string(result.policy.id)
        json.key("sha256"); json.string(result.policy.sha256)
        json.key("title"); json.string(result.policy.title)
        json.key("version"); json.string(result.policy.version)
        json.endObject()
        json.key("proc_root"); json.string(snapshot.procRoot)
        json.key("sampler"); json.string(snapshot.sampler.rawValue)
        json.key("summary"); writeSummary(result, &json)
        json.key("taken_at"); json.string(snapshot.takenAt.description)
        json.key("unattributed")
        json.beginArray()
        for process in result.graph.unattributed {
            write(process.process, pandaID: process.claimedPandaID, container: nil, &json)
            json.flush(to: output)
        }
        json.endArray()
        json.endObject()
        output(json.bytes)
    }

    private static func writeSummary(_ result: AuditResult, _ json: inout JSONBytes) {
        var counts: [Finding.Status: Int] = [:]
        for job in result.jobs {
            for finding in job.findings { counts[finding.status, default: 0] += 1 }
        }
        for finding in result.nodeFindings { counts[finding.status, default: 0] += 1 }
        json.beginObject()
        json.key("fail"); json.integer(counts[.fail, default: 0])
        json.key("jobs"); json.integer(result.jobs.count)
        json.key("not_isolated"); json.integer(result.jobs.lazy.filter { !$0.isolated }.count)
        json.key("pass"); json.integer(counts[.pass, default: 0])
        json.key("payload_processes"); json.integer(result.graph.payloadProcessCount)
        json.key("pilots"); json.integer(result.graph.pilots.count)
        json.key("processes"); json.integer(result.snapshot.processes.count)
        json.key("skip"); json.integer(counts[.skip, default: 0])
        json.key("unattributed"); json.integer(result.graph.unattributed.count)
        json.key("warn"); json.integer(counts[.warn, default: 0])
        json.endObject()
    }

    private static func write(_ audit: JobAudit, _ json: inout JSONBytes) {
        let job = audit.job
        json.beginObject()
        json.key("attempt_nr"); json.string(job.attemptNumber)
        json.key("attribution")
        json.beginArray()
        for evidence in job.evidence { write(evidence, &json) }
        for conflict in job.conflicts where !job.evidence.contains(conflict) { write(conflict, &json) }
        json.endArray()
        json.key("batch_cgroup"); json.string(audit.batch?.cgroup)
        json.key("batch_job_id")
        if let batchJobID = audit.batchJobID {
            json.beginObject()
            json.key("source"); json.string(batchJobID.source.rawValue)
            json.key("value"); json.string(batchJobID.value)
            json.key("variable"); json.string(batchJobID.variable)
            json.endObject()
        } else {
            json.null()
        }
        json.key("batch_pattern"); json.string(audit.batch?.patternID)
        json.key("batch_system"); json.string(audit.batch?.system)
        json.key("container"); write(job.container, &json)
        json.key("failing_rules")
        json.beginArray()
        for finding in audit.findings where finding.status == .fail { json.string(finding.rule) }
        json.endArray()
        json.key("findings")
        json.beginArray()
        for finding in audit.findings { write(finding, &json) }
        json.endArray()
        json.key("isolated"); json.bool(audit.isolated)
        json.key("job_directory"); json.string(job.jobDirectory)
        json.key("owner")
        if let owner = audit.owner {
            json.beginObject()
            if let reason = owner.claimReason { json.key("claim_reason"); json.string(reason) }
            json.key("dn"); json.string(owner.dn)
            json.key("payload_writable"); json.bool(owner.payloadWritable)
            json.key("source"); json.string(owner.source)
            json.endObject()
        } else {
            json.null()
        }
        json.key("panda_id"); json.string(job.pandaID)
        json.key("pilot")
        if let pilot = audit.pilot {
            write(pilot.process, pandaID: nil, container: nil, &json)
            json.key("pilot_wrapper")
            if let wrapper = pilot.wrapper { write(wrapper, pandaID: nil, container: nil, &json) } else { json.null() }
        } else {
            json.null()
            json.key("pilot_wrapper"); json.null()
        }
        json.key("processes")
        json.beginArray()
        for process in job.processes {
            write(process, pandaID: job.pandaID, container: job.containers[process.pid], &json)
        }
        json.endArray()
        json.key("root_recognition"); json.string(job.rootRecognition.rawValue)
        json.key("spoofs")
        json.beginArray()
        for spoof in job.spoofs {
            json.beginObject()
            json.key("claimedPandaID"); json.string(spoof.claimedPandaID)
            json.key("pid"); json.integer(spoof.pid)
            json.key("variable"); json.string(spoof.variable)
            json.endObject()
        }
        json.endArray()
        json.key("task_id"); json.string(job.taskID)
        json.endObject()
    }

    /// Where the audit's two process keys go among the snapshot's (computed once).
    private static let pandaIDPosition = SnapshotJSONWriter.position(of: "panda_id")
    private static let containerPosition = SnapshotJSONWriter.position(of: "container")
    private static let insertionPoints = SnapshotJSONWriter.InsertionPoints([pandaIDPosition, containerPosition])

    /// A snapshot process with the audit's `panda_id` and `container` (`AuditProcess`).
    private static func write(_ process: ProcessSample, pandaID: String?, container: ContainerInfo?, _ json: inout JSONBytes) {
        let pandaIDPosition = Self.pandaIDPosition, containerPosition = Self.containerPosition
        SnapshotJSONWriter.write(process, &json, insertingAt: Self.insertionPoints) { next, json in
            // "container" sorts before "panda_id": when both land at the same place, it goes first.
            if next == containerPosition {
                json.key("container")
                write(container, &json)
            }
            if next == pandaIDPosition {
                json.key("panda_id")
                json.string(pandaID)
            }
        }
    }

    private static func write(_ container: ContainerInfo?, _ json: inout JSONBytes) {
        guard let container else { return json.null() }
        json.beginObject()
        if let image = container.image { json.key("image"); json.string(image) }
        json.key("process"); json.string(container.process)
        json.key("runtime"); json.string(container.runtime)
        json.endObject()
    }

    private static func write(_ evidence: AttributionEvidence, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("detail"); json.string(evidence.detail)
        json.key("pandaID"); json.string(evidence.pandaID)
        json.key("source"); json.string(evidence.source.rawValue)
        json.endObject()
    }

    static func write(_ finding: Finding, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("evidence")
        json.beginObject()
        for (key, value) in finding.evidence.sorted(by: { $0.key < $1.key }) {
            json.key(key)
            write(value, &json)
        }
        json.endObject()
        json.key("message"); json.string(finding.message)
        json.key("pid")
        if let pid = finding.pid { json.integer(pid) } else { json.null() }
        json.key("rule"); json.string(finding.rule)
        json.key("severity"); json.string(finding.severity.rawValue)
        json.key("status"); json.string(finding.status.rawValue)
        json.endObject()
    }

    private static func write(_ value: EvidenceValue, _ json: inout JSONBytes) {
        switch value {
        case .string(let text): json.string(text)
        case .integer(let number): json.integer(number)
        case .boolean(let flag): json.bool(flag)
        case .list(let values):
            json.beginArray()
            for element in values { write(element, &json) }
            json.endArray()
        case .null: json.null()
        }
    }
}
