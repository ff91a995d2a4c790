@testable import Agent
import Base
import Foundation
import ProcFS
@testable import RecordIndex
@testable import Records
import TestSupport
import Testing

/// Sampled `process` records with `shared` (what all entries of a record state alike, found on
/// their bytes and stated once) and the layout before it (every entry whole) are two ways of
/// writing the same statements: chains of either verify, index into the same process rows and
/// answer `query --pid` (with and without `--at`) and `--panda-id` the same, verified from the
/// signed lines; a central store reads the same facts from their lines. Like
/// `EventEntryLayoutTests` for the event source's records.
@Suite struct SampledEntryLayoutTests {
    /// The fixture node's first cycle: its audit and its sampled processes grouped as a cycle
    /// groups them (a record per job, the node's for the rest), in the layout with `shared` or
    /// in the one before.
    static func bodies(shared: Bool) throws -> (bodies: [RecordBody], processes: [TrackedProcess]) {
        let audit = AgentFixtures.audit(try AgentFixtures.snapshot(), at: 0, policy: try AgentFixtures.policy())
        var tracker = ProcessTracker()
        var groups = RecordGroups<JobKey?, SampledProcessEntry>(limit: 4)
        var processes: [TrackedProcess] = []
        for case .processStarted(let process, let sample) in tracker.update(with: audit) {
            groups.add(try DaemonRecords.processEntry(process, sample: sample), to: DaemonLoop.recordGroup(process))
            processes.append(process)
        }
        var bodies = [try RecordBody.audit(audit)]
        for record in groups.records { bodies.append(try DaemonRecords.processes(record, sampler: .bpf, shared: shared)) }
        return (bodies, processes)
    }

    @Test("sampled process records with shared and without: both verify, index into the same rows and answer query --pid/--at/--panda-id the same")
    func sameAnswers() throws {
        let key = RecordSigningKey()
        let (newBodies, processes) = try Self.bodies(shared: true)
        let oldBodies = try Self.bodies(shared: false).bodies
        #expect(newBodies.count == oldBodies.count && newBodies.count >= 3)
        #expect(newBodies.contains { $0.members.contains { $0.key == "shared" } })
        #expect(!oldBodies.contains { $0.members.contains { $0.key == "shared" } })
        // The same facts handed to the index, and they are what each record states.
        #expect(newBodies.map(\.processFacts) == oldBodies.map(\.processFacts))
        for body in newBodies where body.type == .process { _ = try HandedOverFactsTests.handingOver(body) }
        // Every entry keeps its identity; what they share is stated once.
        for body in newBodies where body.members.contains(where: { $0.key == "shared" }) {
            guard case .array(let entries) = try #require(body.members.first { $0.key == "processes" }?.value) else {
                Issue.record("processes is not an array")
                continue
            }
            #expect(entries.allSatisfy { entry in ["pid", "start_ticks"].allSatisfy { key in entry.objectMembers?.contains { $0.key == key } == true } })
            let shared = try #require(body.members.first { $0.key == "shared" }?.value.objectMembers)
            #expect(shared.contains { $0.key == "seen_by" } && shared.contains { $0.key == "first_seen" })
            #expect(!shared.contains { $0.key == "pid" || $0.key == "start_ticks" })
        }

        let (new, newKey) = try EventEntryLayoutTests.chain(newBodies, key: key)
        defer { new.remove() }
        let (old, oldKey) = try EventEntryLayoutTests.chain(oldBodies, key: key)
        defer { old.remove() }
        func processBytes(_ directory: TestDirectory) throws -> Int {
            try SegmentReader.segments(directory: directory.path).reduce(0) { total, segment in
                total + (try String(contentsOfFile: segment.path, encoding: .utf8)).split(separator: "\n")
                    .filter { $0.contains("\"type\":\"process\"") }.reduce(0) { $0 + $1.utf8.count }
            }
        }
        // Fewer bytes for the same statements.
        let newBytes = try processBytes(new), oldBytes = try processBytes(old)
        #expect(newBytes * 4 < oldBytes * 3, "\(newBytes) bytes of process records with shared, \(oldBytes) before")

        let sightings = try EntryLayoutComparison.verifiedSameSightings(new: new.path, old: old.path, publicKey: key.publicKey, records: newBodies.count)
        #expect(sightings.count >= processes.count)

        let pandaIDs = Set(processes.compactMap { $0.role == .payload ? $0.pandaID : nil })
        #expect(!pandaIDs.isEmpty)
        let queries = processes.flatMap { process in
            // At a time it had started (the fixture's start times are its own, after the cycle's time).
            [RecordQuery.pid(Int64(process.identity.pid), at: nil),
             .pid(Int64(process.identity.pid), at: UTCTime(millisecondsSinceEpoch: max(process.startTime.millisecondsSinceEpoch,
                                                                                         process.lastSeen.millisecondsSinceEpoch)))]
        } + pandaIDs.sorted().map(RecordQuery.pandaID)
        try EntryLayoutComparison.expectSameAnswers(queries, new: (new.path, newKey), old: (old.path, oldKey))

        // A central store takes the same facts from either line (Foundation's decoder), and a
        // reader of the line (StatedFacts, like a SIEM) the same entries.
        for (newLine, oldLine) in try EntryLayoutComparison.sameLineFacts(new: new.path, old: old.path) {
            let decoded = try RecordLine.decode(Array(newLine.utf8), body: IndexedBody.self).body.processes
            let before = try RecordLine.decode(Array(oldLine.utf8), body: IndexedBody.self).body.processes
            #expect(decoded?.map(\.cmdline) == before?.map(\.cmdline) && decoded?.map(\.namespaces?.pid) == before?.map(\.namespaces?.pid))
            let newMembers = try JSONParser().parse(Array(newLine.utf8)).objectMembers ?? []
            let oldMembers = try JSONParser().parse(Array(oldLine.utf8)).objectMembers ?? []
            let merged = SharedEntryMembers.entries(of: newMembers) ?? [], whole = SharedEntryMembers.entries(of: oldMembers) ?? []
            #expect(merged.count == whole.count)
            #expect(try merged.map { try CanonicalJSON.bytes($0) } == whole.map { try CanonicalJSON.bytes($0) })
        }
    }

    @Test("hostile values: merged entries are the entries written whole, byte for byte; processes and shared are canonical")
    func hostileEntries() throws {
        var generator = SplitMix64(seed: 2026_12_05_2140)
        let samples = try AgentFixtures.snapshot().processes
        let hostile = ["", "\"", "\\", "\u{0}", "\u{1}\u{1F}", "caf\u{e9}", "e\u{301}", "\u{2028}", "\u{1F602}", "4267387837", "}{\"pid\":1,",
                       "\",\"pid\":1,\"x\":\"", "[{\"a\":[]}]"]
        var sawShared = 0, sawWhole = 0
        for round in 0..<120 {
            let count = Int.random(in: 1...12, using: &generator)
            // Alike or not: one tracked process's attribution for all, or each its own.
            let alike = Bool.random(using: &generator)
            let template = RecordBytesTests.tracked(samples.randomElement(using: &generator)!, &generator, hostile: hostile)
            var entries: [SampledProcessEntry] = []
            for _ in 0..<count {
                var sample = samples.randomElement(using: &generator)!
                if Bool.random(using: &generator) { sample.arguments = [hostile.randomElement(using: &generator)!, hostile.randomElement(using: &generator)!] }
                if Bool.random(using: &generator) { sample.stat.comm = hostile.randomElement(using: &generator)! }
                var process = RecordBytesTests.tracked(sample, &generator, hostile: hostile)
                if alike {
                    process.pandaID = template.pandaID
                    process.taskID = template.taskID
                    process.pilot = template.pilot
                    process.container = template.container
                    process.role = template.role
                    process.firstSeen = template.firstSeen
                    process.lastSeen = template.lastSeen
                }
                guard let entry = try? DaemonRecords.processEntry(process, sample: sample) else { continue }
                entries.append(entry)
            }
            let new = try DaemonRecords.processes(entries, sampler: .procfs), old = try DaemonRecords.processes(entries, sampler: .procfs, shared: false)
            #expect(new.processFacts == old.processFacts)
            let newMembers = try new.canonicalMembers(), oldMembers = try old.canonicalMembers()
            for member in newMembers { #expect(CanonicalJSON.isCanonical(member.value), "round \(round): \(member.key)") }
            let merged = try #require(SharedEntryMembers.entries(of: newMembers.map { JSONMember($0.key, $0.jsonValue) }))
            let whole = try #require(SharedEntryMembers.entries(of: oldMembers.map { JSONMember($0.key, $0.jsonValue) }))
            #expect(try merged.map { try CanonicalJSON.bytes($0) } == whole.map { try CanonicalJSON.bytes($0) }, "round \(round)")
            #expect(try whole.map { try CanonicalJSON.bytes($0) } == entries.map(\.process.value), "round \(round)")
            if newMembers.contains(where: { $0.key == "shared" }) {
                sawShared += 1
                #expect(entries.count > 1)
            } else {
                sawWhole += 1
                #expect(newMembers.map(\.value) == oldMembers.map(\.value))
            }
        }
        #expect(sawShared > 20 && sawWhole > 5, "\(sawShared) with shared, \(sawWhole) whole")
    }

    @Test("member scan: each top-level member of canonical objects, none of a malformed one")
    func memberScan() {
        func members(_ text: String) -> [String]? {
            let bytes = Array(text.utf8)
            var found: [ObjectMember] = []
            let ok = bytes.withUnsafeBufferPointer { ObjectMember.scan($0, into: &found) }
            return ok ? found.map { String(decoding: bytes[$0.whole], as: UTF8.self) } : nil
        }
        #expect(members("{}") == [])
        #expect(members(#"{"a":1}"#) == [#""a":1"#])
        #expect(members(#"{"a":"x\"},{\\","b":[{"c":"]"},[]],"d":null,"e":{"f":{}},"g":-1.5e+30,"h":true}"#)
                == [#""a":"x\"},{\\""#, #""b":[{"c":"]"},[]]"#, #""d":null"#, #""e":{"f":{}}"#, #""g":-1.5e+30"#, #""h":true"#])
        #expect(members("{\"caf\u{e9}\":\"\u{1F602}\"}") == ["\"caf\u{e9}\":\"\u{1F602}\""])
        for malformed in ["", "{", "[]", #"{"a":1"#, #"{"a":"x}"#, #"{"a":1}x"#, #"{"a"}"#, #"{"a":[1}"#, "{}}"] {
            #expect(members(malformed) == nil, "\(malformed)")
        }
    }
}
