@testable import Agent
import Base
import Foundation
import Jobs
import Policy
import ProcFS
import Records
import TestSupport
import Testing

/// The `process` and `audit` record bodies written as canonical bytes straight from the sample
/// and the audit give exactly the lines the daemon wrote before (the writers' JSON parsed into
/// values, the attribution added, the record sorted and written canonically, then signed): on
/// the fixture node, on processes with hostile values, and on this machine's own processes.
@Suite struct RecordBytesTests {
    /// The bodies and lines as built before the bytes were kept (7779aaf), as the reference.
    enum Before {
        /// A sampled process's PROCESS as it was built: the sample's JSON parsed, the attribution added.
        static func processObject(_ process: TrackedProcess, sample: ProcessSample) throws -> JSONValue {
            guard case .object(var members) = try JSONValue(json: SnapshotJSONWriter.encode(sample), of: "ProcessSample") else {
                preconditionFailure("a process sample encodes as a JSON object")
            }
            members += DaemonRecords.attribution(process)
            members.append(JSONMember("seen_by", .string("sample")))
            return .object(members)
        }

        /// The `process` record of one sampled process as it was written before grouping.
        static func process(_ process: TrackedProcess, sample: ProcessSample, sampler: SamplerKind?) throws -> RecordBody {
            RecordBody(type: .process, members: [JSONMember("process", try processObject(process, sample: sample))]
                + (sampler.map { [JSONMember("sampler", .string($0.rawValue))] } ?? []))
        }

        /// A grouped `process` record: the same PROCESS objects in `processes`.
        static func processes(_ objects: [JSONValue], sampler: SamplerKind?) -> RecordBody {
            RecordBody(type: .process, members: [JSONMember("processes", .array(objects))]
                + (sampler.map { [JSONMember("sampler", .string($0.rawValue))] } ?? []))
        }

        static func audit(_ result: AuditResult) throws -> RecordBody {
            RecordBody(type: .audit, members: [
                JSONMember("audit", try JSONValue(json: AuditJSONWriter.encode(result), of: "AuditResult")),
                JSONMember("sampler", .string(result.snapshot.sampler.rawValue)),
            ])
        }

        /// The line by the record format's definition: the canonical JSON of the record with
        /// `sig`, the Ed25519 signature over the canonical JSON of the record without it.
        static func line(_ record: Record, key: RecordSigningKey) throws -> [UInt8] {
            guard case .object(var members) = record.unsigned else { preconditionFailure("a record is an object") }
            let signature = try key.signature(for: try CanonicalJSON.bytes(.object(members)))
            members.append(JSONMember("sig", .string(Data(signature).base64EncodedString())))
            return try CanonicalJSON.bytes(.object(members))
        }
    }

    static let key = RecordSigningKey()
    static let node = RecordNode(hostname: "wn-042.example.org", bootID: "d9b5c4a2-1f3e-4c1a-9a7b-2e6f0c8d4b11", machineID: "m")

    func record(_ body: RecordBody, seq: Int64 = 42) -> Record {
        Record(seq: seq, time: UTCTime(millisecondsSinceEpoch: 1_795_000_000_123), node: Self.node,
               prev: String(repeating: "ab", count: 32), keyID: Self.key.keyID, body: body)
    }

    /// Both ways give the same PROCESS and the same line of a record of it (or fail alike), and the
    /// new body reads back as the old values.
    func expectSameLine(_ process: TrackedProcess, _ sample: ProcessSample, sampler: SamplerKind?, _ comment: String) throws {
        let before: Result<JSONValue, Error> = Result { try Before.processObject(process, sample: sample) }
        let after: Result<SampledProcessEntry, Error> = Result { try DaemonRecords.processEntry(process, sample: sample) }
        switch (before, after) {
        case (.success(let old), .success(let new)):
            #expect(new.process.value == (try CanonicalJSON.bytes(old)), "\(comment)")
            let oldBody = Before.processes([old], sampler: sampler), newBody = try DaemonRecords.processes([new], sampler: sampler)
            let expected = try Before.line(record(oldBody), key: Self.key)
            let line = try record(newBody).line(signedWith: Self.key)
            #expect(line == expected, "\(comment)\n\(String(decoding: line, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
            #expect(try CanonicalJSON.bytes(record(newBody).unsigned) == CanonicalJSON.bytes(record(oldBody).unsigned), "\(comment)")
            // The typed facts handed to the index are what the signed PROCESS says.
            let stated = StatedFacts.process(old)
            #expect(stated != nil && new.facts == stated, "\(comment)")
            #expect(newBody.processFacts == [new.facts], "\(comment)")
        case (.failure(let old), .failure(let new)):
            #expect("\(old)".hasPrefix("ProcessSample is not canonicalizable JSON") && "\(new)".hasPrefix("ProcessSample is not canonicalizable JSON"), "\(comment)")
        default:
            Issue.record("\(comment): before \(before), after \(after)")
        }
    }

    static func tracked(_ sample: ProcessSample, _ generator: inout SplitMix64, hostile: [String]) -> TrackedProcess {
        func text() -> String? { Bool.random(using: &generator) ? nil : hostile.randomElement(using: &generator)! }
        let roles: [ProcessRole] = [.pilot, .pilotWrapper, .pilotSide, .payload, .unattributed]
        let ticks: [UInt64] = [0, 12_345, UInt64(JSONValue.maxExactInteger), UInt64(JSONValue.maxExactInteger) + 1, .max]
        return TrackedProcess(
            identity: sample.identity, role: roles.randomElement(using: &generator)!, pandaID: text(), taskID: text(),
            pilot: Bool.random(using: &generator) ? nil : ProcessIdentity(bootID: hostile.randomElement(using: &generator)!,
                                                                          pid: Int32.random(in: 1...Int32.max, using: &generator),
                                                                          startTicks: ticks.randomElement(using: &generator)!),
            container: Bool.random(using: &generator) ? nil : ContainerInfo(runtime: hostile.randomElement(using: &generator)!,
                                                                            process: hostile.randomElement(using: &generator)!, image: text()),
            startTime: sample.startTime, comm: sample.stat.comm, uid: sample.effectiveUID,
            firstSeen: UTCTime(millisecondsSinceEpoch: Int64.random(in: 0...4_000_000_000_000, using: &generator)),
            lastSeen: UTCTime(millisecondsSinceEpoch: Int64.random(in: 0...4_000_000_000_000, using: &generator)))
    }

    @Test("fixture node: every process record and the audit record are the lines written before")
    func fixtureNode() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        let audit = AgentFixtures.audit(snapshot, at: 0, policy: policy)
        var started = 0
        var objects: [JSONValue] = [], entries: [SampledProcessEntry] = []
        for case .processStarted(let process, let sample) in tracker.update(with: audit) {
            started += 1
            try expectSameLine(process, sample, sampler: .procfs, "pid \(process.identity.pid)")
            try expectSameLine(process, sample, sampler: nil, "pid \(process.identity.pid), no sampler")
            // The usual process is signed as written (the one-pass check accepts it), not re-parsed.
            let written = try #require(try Before.process(process, sample: sample, sampler: nil).members.first?.value)
            #expect(CanonicalJSON.isCanonical(try CanonicalJSON.bytes(written)), "pid \(process.identity.pid)")
            objects.append(try Before.processObject(process, sample: sample))
            entries.append(try DaemonRecords.processEntry(process, sample: sample))
        }
        #expect(started >= 5)
        // Every process of the node in one record, written whole: the line of the same objects in
        // `processes`; with `shared` (the daemon's layout), a canonical line whose entries, taken
        // with `shared`, are those objects.
        let group = try record(try DaemonRecords.processes(entries, sampler: .procfs, shared: false)).line(signedWith: Self.key)
        #expect(group == (try Before.line(record(Before.processes(objects, sampler: .procfs)), key: Self.key)))
        #expect(CanonicalJSON.isCanonical(group))
        let sharedLine = try record(try DaemonRecords.processes(entries, sampler: .procfs)).line(signedWith: Self.key)
        #expect(CanonicalJSON.isCanonical(sharedLine) && sharedLine.count < group.count)
        let lineMembers = try #require(try JSONParser().parse(sharedLine).objectMembers)
        let merged = try #require(SharedEntryMembers.entries(of: lineMembers))
        #expect(try merged.map { try CanonicalJSON.bytes($0) } == objects.map { try CanonicalJSON.bytes($0) })
        let line = try record(try RecordBody.audit(audit)).line(signedWith: Self.key)
        #expect(line == (try Before.line(record(try Before.audit(audit)), key: Self.key)))
        #expect(CanonicalJSON.isCanonical(AuditJSONWriter.encode(audit)))
    }

    @Test("processes with hostile argv, comm, cgroups, environment and ids: the same lines as before")
    func hostileProcesses() throws {
        var generator = SplitMix64(seed: 2026_12_05_1130)
        let samples = try AgentFixtures.snapshot().processes
        let hostile = ["", "a", "\"", "\\", "\\\"", "\u{0}", "\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1F}", "\u{7F}", "/", "caf\u{e9}", "e\u{301}",
                       "\u{2028}\u{2029}", "\u{1F602}", "\u{FB33}", "\u{FFFD}", "\u{10FFFF}", "}{\"pid\":1,", "--token=eyJhbGciOi",
                       "Reco_tf.py", "--preExec=from AthenaCommon.AppMgr import ServiceMgr as svcMgr;svcMgr.MessageSvc.OutputLevel=3",
                       "/sys/fs/cgroup/\u{1}job\"1\\", String(repeating: "x\u{e9}\"", count: 300), "0:: /evil\n1:name=systemd:/x"]
        func text() -> String { (0..<Int.random(in: 1...3, using: &generator)).map { _ in hostile.randomElement(using: &generator)! }.joined() }
        let keys = ["PATH", "PANDAID", "X509_USER_PROXY", "LD_LIBRARY_PATH", "a", "A", "_", "caf\u{e9}", "e\u{301}", "\u{1F602}", "\u{FB33}",
                    "\u{1}", "\"", "PANDA_ID\u{0}", "Z\u{7F}"]
        for round in 0..<400 {
            var sample = samples.randomElement(using: &generator)!
            if Bool.random(using: &generator) { sample.arguments = (0..<Int.random(in: 0...40, using: &generator)).map { _ in text() } }
            if Int.random(in: 0...3, using: &generator) == 0 { sample.arguments = nil }
            if Bool.random(using: &generator) { sample.stat.comm = text() }
            if Bool.random(using: &generator) {
                sample.cgroups = (0..<Int.random(in: 0...3, using: &generator)).map { index in
                    CgroupEntry(hierarchy: index, controllers: index == 0 ? [] : [text()], path: text())
                }
            }
            if Bool.random(using: &generator) {
                var environment: [String: String] = [:]
                for key in keys where Int.random(in: 0...2, using: &generator) == 0 { environment[key] = text() }
                sample.environment = environment
            }
            if Int.random(in: 0...5, using: &generator) == 0 { sample.environment = nil }
            if Bool.random(using: &generator) { sample.cwd = LinkTarget(path: text(), deleted: Bool.random(using: &generator)) }
            if Bool.random(using: &generator) { sample.exe = Bool.random(using: &generator) ? nil : LinkTarget(path: text(), deleted: true) }
            if Int.random(in: 0...3, using: &generator) == 0 { sample.unavailable[text()] = .malformed(text()) }
            if Int.random(in: 0...9, using: &generator) == 0 {
                // Beyond 2^53: refused both ways (the strict parser), never rounded.
                sample.namespaces = NamespaceSet(inodes: [.pid: UInt64(JSONValue.maxExactInteger) + UInt64.random(in: 0...2, using: &generator)])
            }
            if Bool.random(using: &generator) {
                sample.uidMap = [IDMapEntry(inside: 0, outside: UInt32.random(in: 0...UInt32.max, using: &generator), count: .max)]
            }
            let process = Self.tracked(sample, &generator, hostile: hostile)
            try expectSameLine(process, sample, sampler: Bool.random(using: &generator) ? .bpf : nil, "round \(round)")
        }
    }

    @Test("this machine's processes and audit: the same lines as before")
    func liveNode() throws {
        let snapshot = try ProcSampler(procRoot: "/proc").sample()
        var generator = SplitMix64(seed: 2026_12_05_1131)
        #expect(snapshot.processes.count > 10)
        for sample in snapshot.processes {
            try expectSameLine(Self.tracked(sample, &generator, hostile: ["payload", "4267387837", "\u{1}\"x\\"]), sample, sampler: .procfs,
                               "pid \(sample.pid)")
        }
        let audit = PolicyEvaluator(policy: try AgentFixtures.policy(), inspector: RootedFileInspector(procRoot: "/proc")).audit(snapshot)
        let line = try record(try RecordBody.audit(audit)).line(signedWith: Self.key)
        #expect(line == (try Before.line(record(try Before.audit(audit)), key: Self.key)))
    }
}
