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
///
/// The fixed keys are `StaticString`s (`"rule" as StaticString`): `JSONBytes.key(_: StaticString)`
/// copies their bytes, where a `String` key is escaped byte by byte as data (a literal alone
/// would pick the `String` overload); none of them needs escaping.
public enum AuditJSONWriter {
    /// The whole document as one array (tests, the audit record).
    public static func encode(_ result: AuditResult) -> [UInt8] {
        var whole: [UInt8] = []
        write(result, toBytes: { whole.append(contentsOf: $0) })
        return whole
    }

    /// Writes the document through `output`, in pieces of about 64 KiB.
    public static func write(_ result: AuditResult, to output: ([UInt8]) -> Void) {
        write(result, toBytes: { output(Array($0)) })
    }

    /// `write(_:to:)` handing each piece over in place, valid during the call only (the command
    /// writes it to stdout as it is: no copy of each piece).
    public static func write(_ result: AuditResult, toBytes output: (UnsafeRawBufferPointer) -> Void) {
        var json = JSONBytes(capacity: 65536 + 4096)
        let snapshot = result.snapshot
        json.beginObject()
        json.key("counters" as StaticString); SnapshotJSONWriter.write(snapshot.counters, &json)
        json.key("errors" as StaticString)
        json.beginArray()
        for problem in snapshot.problems { SnapshotJSONWriter.write(problem, &json) }
        json.endArray()
        json.key("jobs" as StaticString)
        json.beginArray()
        var pilots = PilotObjects()
        for job in result.jobs {
            write(job, &json, &pilots)
            json.flush(to: output)
        }
        json.endArray()
        json.key("node" as StaticString); SnapshotJSONWriter.write(snapshot.node, &json)
        json.key("node_findings" as StaticString)
        json.beginArray()
        for finding in result.nodeFindings { write(finding, &json) }
        json.endArray()
        json.key("policy" as StaticString)
        json.beginObject()
        json.key("id" as StaticString); json.string(result.policy.id)
        json.key("sha256" as StaticString); json.string(result.policy.sha256)
        json.key("title" as StaticString); json.string(result.policy.title)
        json.key("version" as StaticString); json.string(result.policy.version)
        json.endObject()
        json.key("proc_root" as StaticString); json.string(snapshot.procRoot)
        json.key("sampler" as StaticString); json.string(snapshot.sampler.rawValue)
        json.key("summary" as StaticString); writeSummary(result, &json)
        json.key("taken_at" as StaticString); json.string(snapshot.takenAt.description)
        json.key("unattributed" as StaticString)
        json.beginArray()
        for process in result.graph.unattributed {
            write(process.process, pandaID: process.claimedPandaID, container: nil, &json)
            json.flush(to: output)
        }
        json.endArray()
        json.endObject()
        json.flush(over: 0, to: output)
    }

    private static func writeSummary(_ result: AuditResult, _ json: inout JSONBytes) {
        // Four counters, not a [Finding.Status: Int] hashed once per finding.
        var counts = (pass: 0, fail: 0, warn: 0, skip: 0)
        func count(_ findings: [Finding]) {
            for finding in findings {
                switch finding.status {
                case .pass: counts.pass += 1
                case .fail: counts.fail += 1
                case .warn: counts.warn += 1
                case .skip: counts.skip += 1
                }
            }
        }
        for job in result.jobs { count(job.findings) }
        count(result.nodeFindings)
        json.beginObject()
        json.key("fail" as StaticString); json.integer(counts.fail)
        json.key("jobs" as StaticString); json.integer(result.jobs.count)
        json.key("not_isolated" as StaticString); json.integer(result.jobs.lazy.filter { !$0.isolated }.count)
        json.key("pass" as StaticString); json.integer(counts.pass)
        json.key("payload_processes" as StaticString); json.integer(result.graph.payloadProcessCount)
        json.key("pilots" as StaticString); json.integer(result.graph.pilots.count)
        json.key("processes" as StaticString); json.integer(result.snapshot.processes.count)
        json.key("skip" as StaticString); json.integer(counts.skip)
        json.key("unattributed" as StaticString); json.integer(result.graph.unattributed.count)
        json.key("warn" as StaticString); json.integer(counts.warn)
        json.endObject()
    }

    /// The pilot and wrapper process objects written so far, by pid, with their bytes: a pilot
    /// runs several jobs and is written in each (the bytes are the same; they are made once).
    private struct PilotObjects {
        var written: [Int32: (process: ProcessSample, json: [UInt8])] = [:]
        /// Where an object is first written, to be copied out (`flush(over: 0)` empties it).
        var scratch = JSONBytes(capacity: 16384)

        mutating func write(_ process: ProcessSample, _ json: inout JSONBytes) {
            // Exactly the same sample (the same storage first; the state letter too).
            if let known = written[process.pid], known.process.hasSameFacts(as: process),
               known.process.stat.state == process.stat.state {
                known.json.withUnsafeBytes { json.rawValue($0) }
                return
            }
            AuditJSONWriter.write(process, pandaID: nil, container: nil, &scratch)
            var bytes: [UInt8] = []
            scratch.flush(over: 0) { (piece: UnsafeRawBufferPointer) in
                // The scratch writer puts a comma before every object but its first.
                bytes = Array(piece.first == UInt8(ascii: ",") ? UnsafeRawBufferPointer(rebasing: piece.dropFirst()) : piece)
            }
            bytes.withUnsafeBytes { json.rawValue($0) }
            written[process.pid] = (process, bytes)
        }
    }

    private static func write(_ audit: JobAudit, _ json: inout JSONBytes, _ pilots: inout PilotObjects) {
        let job = audit.job
        json.beginObject()
        json.key("attempt_nr" as StaticString); json.string(job.attemptNumber)
        json.key("attribution" as StaticString)
        json.beginArray()
        for evidence in job.evidence { write(evidence, &json) }
        for conflict in job.conflicts where !job.evidence.contains(conflict) { write(conflict, &json) }
        json.endArray()
        json.key("batch_cgroup" as StaticString); json.string(audit.batch?.cgroup)
        json.key("batch_job_id" as StaticString)
        if let batchJobID = audit.batchJobID {
            json.beginObject()
            json.key("source" as StaticString); json.string(batchJobID.source.rawValue)
            json.key("value" as StaticString); json.string(batchJobID.value)
            json.key("variable" as StaticString); json.string(batchJobID.variable)
            json.endObject()
        } else {
            json.null()
        }
        json.key("batch_pattern" as StaticString); json.string(audit.batch?.patternID)
        json.key("batch_system" as StaticString); json.string(audit.batch?.system)
        json.key("container" as StaticString); write(job.container, &json)
        json.key("failing_rules" as StaticString)
        json.beginArray()
        for finding in audit.findings where finding.status == .fail { json.string(finding.rule) }
        json.endArray()
        json.key("findings" as StaticString)
        json.beginArray()
        for finding in audit.findings { write(finding, &json) }
        json.endArray()
        json.key("isolated" as StaticString); json.bool(audit.isolated)
        json.key("job_directory" as StaticString); json.string(job.jobDirectory)
        json.key("owner" as StaticString)
        if let owner = audit.owner {
            json.beginObject()
            if let reason = owner.claimReason { json.key("claim_reason" as StaticString); json.string(reason) }
            json.key("dn" as StaticString); json.string(owner.dn)
            json.key("payload_writable" as StaticString); json.bool(owner.payloadWritable)
            json.key("source" as StaticString); json.string(owner.source)
            json.endObject()
        } else {
            json.null()
        }
        json.key("panda_id" as StaticString); json.string(job.pandaID)
        json.key("pilot" as StaticString)
        if let pilot = audit.pilot {
            pilots.write(pilot.process, &json)
            json.key("pilot_wrapper" as StaticString)
            if let wrapper = pilot.wrapper { pilots.write(wrapper, &json) } else { json.null() }
        } else {
            json.null()
            json.key("pilot_wrapper" as StaticString); json.null()
        }
        json.key("processes" as StaticString)
        json.beginArray()
        for process in job.processes {
            write(process, pandaID: job.pandaID, container: job.containers[process.pid], &json)
        }
        json.endArray()
        json.key("root_recognition" as StaticString); json.string(job.rootRecognition.rawValue)
        json.key("spoofs" as StaticString)
        json.beginArray()
        for spoof in job.spoofs {
            json.beginObject()
            json.key("claimedPandaID" as StaticString); json.string(spoof.claimedPandaID)
            json.key("pid" as StaticString); json.integer(Int64(spoof.pid))
            json.key("variable" as StaticString); json.string(spoof.variable)
            json.endObject()
        }
        json.endArray()
        json.key("task_id" as StaticString); json.string(job.taskID)
        json.endObject()
    }

    /// Where the audit's two process keys go among the snapshot's (computed once).
    private static let pandaIDPosition = SnapshotJSONWriter.position(of: "panda_id")
    private static let containerPosition = SnapshotJSONWriter.position(of: "container")
    private static let insertionPoints = SnapshotJSONWriter.InsertionPoints([pandaIDPosition, containerPosition])

    /// A snapshot process with the audit's `panda_id` and `container` (`AuditProcess`).
    fileprivate static func write(_ process: ProcessSample, pandaID: String?, container: ContainerInfo?, _ json: inout JSONBytes) {
        let pandaIDPosition = Self.pandaIDPosition, containerPosition = Self.containerPosition
        SnapshotJSONWriter.write(process, &json, insertingAt: Self.insertionPoints) { next, json in
            // "container" sorts before "panda_id": when both land at the same place, it goes first.
            if next == containerPosition {
                json.key("container" as StaticString)
                write(container, &json)
            }
            if next == pandaIDPosition {
                json.key("panda_id" as StaticString)
                json.string(pandaID)
            }
        }
    }

    private static func write(_ container: ContainerInfo?, _ json: inout JSONBytes) {
        guard let container else { return json.null() }
        json.beginObject()
        if let image = container.image { json.key("image" as StaticString); json.string(image) }
        json.key("process" as StaticString); json.string(container.process)
        json.key("runtime" as StaticString); json.string(container.runtime)
        json.endObject()
    }

    private static func write(_ evidence: AttributionEvidence, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("detail" as StaticString); json.string(evidence.detail)
        json.key("pandaID" as StaticString); json.string(evidence.pandaID)
        json.key("source" as StaticString); json.string(evidence.source.rawValue)
        json.endObject()
    }

    static func write(_ finding: Finding, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("evidence" as StaticString)
        json.beginObject()
        for (key, value) in finding.evidence.sorted(by: { $0.key < $1.key }) {
            json.key(key)
            write(value, &json)
        }
        json.endObject()
        json.key("message" as StaticString); json.string(finding.message)
        json.key("pid" as StaticString)
        if let pid = finding.pid { json.integer(Int64(pid)) } else { json.null() }  // Int64: the non-generic writer
        json.key("rule" as StaticString); json.string(finding.rule)
        json.key("severity" as StaticString); json.string(finding.severity.rawValue)
        json.key("status" as StaticString); json.string(finding.status.rawValue)
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
