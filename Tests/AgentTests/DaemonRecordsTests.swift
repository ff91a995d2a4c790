@testable import Agent
import Base
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
        for events in [first, second] {
            // As the daemon groups them: a cycle's sampled processes share a record (one job here).
            var entries: [SampledProcessEntry] = [], exited: [TrackedProcess] = []
            for event in events {
                switch event {
                case .processStarted(let process, let sample): entries.append(try DaemonRecords.processEntry(process, sample: sample))
                case .processExited(let process): exited.append(process)
                default: break
                }
            }
            if !exited.isEmpty { bodies.append(DaemonRecords.exits(exited)) }
            if !entries.isEmpty { bodies.append(try DaemonRecords.processes(entries)) }
            for case .verdictChanged(let change) in events { bodies.append(try DaemonRecords.finding(change)) }
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
        #expect(exit["process"] == nil)
        let exited = try #require((exit["processes"] as? [[String: Any]])?.first)
        #expect((exit["processes"] as? [[String: Any]])?.count == 1)
        #expect(exited["pid"] as? Int == 25630 && exited["panda_id"] as? String == "6402753124" && exited["role"] as? String == "payload")
        #expect(exited["last_seen"] as? String == UTCTime(millisecondsSinceEpoch: 1_795_000_000_000).description)
        #expect(exited["seen_by"] as? String == "sample")
        // The first cycle's processes are in one `process` record, each entry the PROCESS of one.
        let processRecords = records.filter { $0["type"] as? String == "process" }
        #expect(processRecords.count == 1)
        // Each entry as a reader takes it: its members and those of the record's `shared`.
        let shared = processRecords.first?["shared"] as? [String: Any] ?? [:]
        #expect(!shared.isEmpty)
        let entries = try #require(processRecords.first?["processes"] as? [[String: Any]]).map { $0.merging(shared) { own, _ in own } }
        #expect(entries.count == first.filter { if case .processStarted = $0 { return true } else { return false } }.count)
        #expect(entries.allSatisfy { $0["seen_by"] as? String == "sample" })
        let sample = try #require(entries.first { $0["pid"] as? Int == 25629 })
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
        // Every entry is a sighting: the payload 25630 has its process and its exit entry.
        let job = try #require(try IndexReader(directory: directory.path).run(.pandaID("6402753124")).jobs.first)
        let exitedSightings = job.processes.filter { $0.pid == 25630 }
        #expect(!exitedSightings.isEmpty)
        #expect(Set(exitedSightings.flatMap(\.records).map(\.seq)).count == 2)
        #expect(job.payloadProcesses.contains { $0.pid == 25629 })
    }

    /// Records written before sampled processes were grouped (one `process` or `exit` record a
    /// process, `"process": {...}`) are evidence on disk: they verify, are indexed and answer
    /// `query` next to grouped records of the same chain.
    @Test("single-process records of before the grouping: verified, indexed, queried beside grouped ones")
    func singleProcessRecordsStillRead() throws {
        let directory = try TestDirectory("isotrace-agent-old-records").url
        defer { try? FileManager.default.removeItem(at: directory) }
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        let events = tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: try AgentFixtures.policy()))
        var old: [RecordBody] = [], entries: [SampledProcessEntry] = [], started: [TrackedProcess] = []
        for case .processStarted(let process, let sample) in events {
            started.append(process)
            // The shape written before: PROCESS in `process`, one record each, and one `exit` each.
            guard case .object(var members) = try JSONValue(json: SnapshotJSONWriter.encode(sample), of: "ProcessSample") else {
                preconditionFailure("a process sample encodes as a JSON object")
            }
            members += DaemonRecords.attribution(process)
            members.append(JSONMember("seen_by", .string("sample")))
            old.append(RecordBody(type: .process, members: [JSONMember("process", .object(members)), JSONMember("sampler", .string("procfs"))]))
            entries.append(try DaemonRecords.processEntry(process, sample: sample))
        }
        let payload = try #require(started.first { $0.identity.pid == 25629 })
        var gone = payload
        gone.lastSeen = UTCTime(millisecondsSinceEpoch: 1_795_000_030_000)
        old.append(RecordBody(type: .exit, members: [JSONMember("process", .object(DaemonRecords.exitEntry(gone)))]))
        let grouped = [try DaemonRecords.processes(entries, sampler: .procfs)]

        let key = RecordSigningKey()
        let writer = try ChainWriter.open(outputDirectory: directory.path, key: key, node: RecordNode(snapshot.node))
        let appended = try writer.append(old + grouped)
        writer.close()
        let report = try ChainVerifier(outputDirectory: directory.path, publicKey: key.publicKey).verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.records == old.count + grouped.count)
        let indexed = try RecordIndex.update(directory: directory.path)
        #expect(indexed.problems.isEmpty, "\(indexed.problems)")
        #expect(indexed.indexedRecords == old.count + grouped.count)

        let reader = try IndexReader(directory: directory.path)
        let oldSeq = appended[try #require(started.firstIndex { $0.identity.pid == 25629 })].seq
        let exitSeq = appended[started.count].seq
        let groupSeq = try #require(appended.last?.seq)
        // --pid: the old single record, the old exit record and the grouped record all cite it.
        let sightings = try reader.run(.pid(25629, at: nil)).processes
        #expect(Set(sightings.flatMap(\.records).map(\.seq)) == [oldSeq, exitSeq, groupSeq])
        #expect(sightings.allSatisfy { $0.pandaID == "6402753124" && $0.role == "payload" })
        #expect(sightings.contains { $0.cmdline == ["sleep", "600"] })
        // --panda-id: the job's processes from both shapes.
        let job = try #require(try reader.run(.pandaID("6402753124")).jobs.first)
        let payloads = Set(started.filter { $0.role == .payload }.map { Int64($0.identity.pid) })
        #expect(Set(job.payloadProcesses.map(\.pid)) == payloads)
        // The same sample in both shapes is one sighting citing both records; the old exit record another.
        let sampled = job.payloadProcesses.filter { $0.cmdline != nil }
        #expect(Set(sampled.map(\.pid)) == payloads)
        #expect(sampled.allSatisfy { $0.records.count == 2 && $0.records.last?.seq == groupSeq }, "\(sampled.map(\.records))")
        #expect(job.payloadProcesses.contains { $0.pid == 25629 && $0.records.map(\.seq) == [exitSeq] })
    }

    /// Entries go to their key's group in the order the keys first come, each group cut every
    /// `limit` entries; a place names its record in that order.
    @Test("record groups: by key in first-come order, cut at the limit, each entry's record known")
    func recordGroups() {
        var groups = RecordGroups<String?, Int>(limit: 3)
        #expect(groups.isEmpty)
        var places: [RecordGroups<String?, Int>.Place] = []
        for (entry, key) in [(0, "a"), (1, nil), (2, "a"), (3, "a"), (4, "a"), (5, "b"), (6, nil), (7, "a"), (8, "a")] as [(Int, String?)] {
            places.append(groups.add(entry, to: key))
        }
        let records = groups.records.map(Array.init)
        #expect(records == [[0, 2, 3], [4, 7, 8], [1, 6], [5]])
        let first = groups.firstRecordOfGroup
        #expect(first == [0, 2, 3])
        for (entry, place) in places.enumerated() {
            #expect(records[first[place.group] + place.position / groups.limit].contains(entry), "entry \(entry)")
        }
        #expect(RecordGroups<Int, Int>().limit == DaemonLoop.entriesPerRecord)
    }

    /// Payload processes go into their job's record; pilots, their wrappers and unattributed
    /// processes (whatever PanDA ID they claim) into the node's.
    @Test("a sampled process's record: its job's for a payload, the node's otherwise")
    func recordGroupOfAProcess() throws {
        var tracker = ProcessTracker()
        let events = tracker.update(with: AgentFixtures.audit(try AgentFixtures.snapshot(), at: 0, policy: try AgentFixtures.policy()))
        var roles: Set<ProcessRole> = []
        for case .processStarted(let process, _) in events {
            roles.insert(process.role)
            let group = DaemonLoop.recordGroup(process)
            if process.role == .payload {
                #expect(group == JobKey(pandaID: try #require(process.pandaID), pilot: process.pilot))
            } else {
                #expect(group == nil, "\(process.role)")
            }
        }
        #expect(roles.isSuperset(of: [.pilot, .payload]))
        var claimant = try #require(events.compactMap { if case .processStarted(let process, _) = $0 { return process } else { return nil } }.first)
        claimant.role = .unattributed
        claimant.pandaID = "4267387837"
        #expect(DaemonLoop.recordGroup(claimant) == nil)
    }
}
