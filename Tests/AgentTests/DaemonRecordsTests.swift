import Base
import Agent
import Foundation
import Policy
import ProcFS
import RecordIndex
import Records
import TestSupport
import Testing

/// The daemon's record bodies go through the chain writer, verify with the public key alone,
/// and are indexed (process and exit records as sightings of the process).
@Suite struct DaemonRecordsTests {
    @Test("process, exit, finding and heartbeat records: appended, verified, indexed")
    func appendVerifyIndex() throws {
        let directory = try TestDirectory("isotrace-agent-records").url
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        var bodies: [RecordBody] = []
        let first = tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: policy))
        var gone = snapshot
        gone.processes.removeAll { $0.pid == 25630 }
        let index = try #require(gone.processes.firstIndex { $0.pid == 25629 })
        gone.processes[index].status?.capabilities.effective = 1 << 21
        let second = tracker.update(with: AgentFixtures.audit(gone, at: 30, policy: policy))
        for event in first + second {
            switch event {
            case .processStarted(let process, let sample): bodies.append(try DaemonRecords.process(process, sample: sample))
            case .processExited(let process): bodies.append(DaemonRecords.exit(process))
            case .verdictChanged(let change): bodies.append(try DaemonRecords.finding(change))
            default: break
            }
        }
        var counters = HeartbeatCounters()
        counters.cycles = 2
        counters.errors = ["syslog": 1]
        counters.final = true
        bodies.append(DaemonRecords.heartbeat(counters))

        let key = RecordSigningKey()
        let writer = try ChainWriter.open(outputDirectory: directory.path, key: key, node: RecordNode(snapshot.node))
        let appended = try writer.append(bodies)
        writer.close()
        #expect(appended.count == bodies.count)

        let report = try ChainVerifier(outputDirectory: directory.path, publicKey: key.publicKey).verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.records == bodies.count)

        let lines = try String(contentsOf: URL(fileURLWithPath: appended[0].file), encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let exit = try #require(records.first { $0["type"] as? String == "exit" })
        let exited = try #require(exit["process"] as? [String: Any])
        #expect(exited["pid"] as? Int == 25630 && exited["panda_id"] as? String == "6402753124" && exited["role"] as? String == "payload")
        #expect(exited["last_seen"] as? String == UTCTime(millisecondsSinceEpoch: 1_795_000_000_000).description)
        let process = try #require(records.first { ($0["process"] as? [String: Any])?["pid"] as? Int == 25629 && $0["type"] as? String == "process" })
        let sample = try #require(process["process"] as? [String: Any])
        #expect(sample["cmdline"] as? [String] == ["sleep", "600"])
        #expect((sample["pilot"] as? [String: Any])?["pid"] as? Int == 25588)
        let change = try #require(records.first { $0["type"] as? String == "finding" && $0["previous_status"] as? String == "pass" })
        #expect((change["finding"] as? [String: Any])?["rule"] as? String == "PRIV-CAPS")
        #expect(change["panda_id"] as? String == "6402753124")
        let heartbeat = try #require(records.last?["heartbeat"] as? [String: Any])
        #expect(heartbeat["cycles"] as? Int == 2 && heartbeat["final"] as? Bool == true)

        let indexed = try RecordIndex.update(directory: directory.path)
        #expect(indexed.problems.isEmpty, "\(indexed.problems)")
        #expect(indexed.indexedRecords == bodies.count)
    }
}
