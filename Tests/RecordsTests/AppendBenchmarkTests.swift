import Base
import Foundation
import Agent
import Policy
import ProcFS
import Records
import TestSupport
import Testing

/// Durable appends per second and bytes per process in an audit record (issue "Signed
/// traceability records", Performance). Opt-in: `ISOTRACE_BENCH=1 swift test -c release
/// --filter AppendBenchmarkTests`; it prints figures and asserts nothing timed.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ISOTRACE_BENCH"] == "1", "benchmark: set ISOTRACE_BENCH=1 to run it"))
struct AppendBenchmarkTests {
    @Test func durableAppendsPerSecond() throws {
        let directory = try TestDirectory("isotrace-bench")
        defer { directory.remove() }
        let policy = try PolicyLoader.load(path: Repository.policy)
        let snapshot = try ProcSampler(procRoot: Repository.pilot3ProcRoot).sample()
        let audit = PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: Repository.pilot3ProcRoot)).audit(snapshot)
        let body = try RecordBody.audit(audit)
        let small = RecordBody.recovery(partialFile: "2026-11-26.jsonl.1.partial", partialBytes: 512)
        let writer = try ChainWriter.open(outputDirectory: directory.path, key: RecordSigningKey(), node: RecordNode(snapshot.node))
        defer { writer.close() }

        func rate(_ label: String, count: Int, batch: Int, _ body: RecordBody) throws {
            let start = UTCTime.now()
            for _ in 0..<(count / batch) { _ = try writer.append(Array(repeating: body, count: batch)) }
            let seconds = Double(UTCTime.now().millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 1000
            print("bench: \(label): \(count) records, batch \(batch): \(Int(Double(count) / max(seconds, 0.001))) durable records/s")
        }
        try rate("small record (~500 B)", count: 2_000, batch: 1, small)
        try rate("small record (~500 B)", count: 4_000, batch: 16, small)
        try rate("audit record", count: 500, batch: 1, body)
        let processes = audit.jobs.reduce(0) { $0 + $1.job.processes.count + 1 }
        let bytes = try CanonicalJSON.bytes(try JSONValue(encoding: audit)).count
        print("bench: audit body of \(processes) processes (pilot included): \(bytes) bytes, \(bytes / max(processes, 1)) bytes per process")
        #expect(writer.head.seq > 6_000)
    }
}
