import Base
import Foundation
import Testing
import TestSupport
@testable import RecordIndex
import Records

/// The index takes the records a writer has just appended from the writer (`RecordAppender`,
/// `RecordIndex.update(written:)`) instead of reading their lines back: the same rows as a
/// rebuild from the segments, whatever the layout (index behind, midnight, a recovered line),
/// and a record whose place does not match the segment is read from the file.
@Suite struct IndexWrittenRecordsTests {
    typealias R = SyntheticRecords
    static let node = RecordNode(hostname: "wn01", bootID: R.bootID, machineID: "0123456789abcdef")

    /// The body of a synthetic record line (its type and the members beyond the envelope).
    static func body(_ line: String) throws -> RecordBody {
        let value = try JSONParser().parse(line)
        let name = try #require(value["type"]?.stringValue)
        let type = try #require(RecordType(rawValue: name))
        let members = try #require(value.objectMembers).filter { !Record.envelopeKeys.contains($0.key) }
        return RecordBody(type: type, members: members)
    }

    static func job(_ pandaID: String, pid: Int) -> [String: Any] {
        R.job(pandaID: pandaID, taskID: "77",
              pilot: R.process(pid: 100, startTicks: 10, startTime: "2026-11-26T00:00:00.000Z", uid: 64901),
              processes: [R.process(pid: pid, startTicks: pid * 10, startTime: "2026-11-26T09:00:00.000Z", uid: 64902,
                                    pidNS: 4026532001, pandaID: pandaID)],
              findings: [R.finding(rule: "ISO-UID", status: "fail", pid: pid, message: "uid is the pilot's \u{e9}\u{301} \"quoted\"")])
    }

    /// What a daemon's first cycle writes: the audit (the real fixture), a process record per
    /// process (a PanDA ID as a number, a command line with escapes and non-ASCII, hostile
    /// slashes), an exit, a finding with nested evidence, a heartbeat.
    static func cycle(_ first: Int) throws -> [RecordBody] {
        var bodies = [try body(R.fixtureAudit(seq: 1, time: "2026-11-26T10:00:00.000Z"))]
        for pid in first..<(first + 20) {
            var process = R.process(pid: pid, startTicks: pid * 7, startTime: "2026-11-26T09:59:00.000Z", uid: 64902 + pid % 3,
                                    pandaID: pid % 2 == 0 ? "42\(pid)" : nil)
            process["cmdline"] = ["/usr/bin/python3", "athena.py", "--x=\u{0}\t\"/\\", "caf\u{e9} \u{1F600}", String(repeating: "/a", count: pid % 50)]
            process["role"] = "payload"
            process["task_id"] = pid % 2 == 0 ? 77 as Any : "77"
            process["first_seen"] = "2026-11-26T10:00:00.000Z"
            process["last_seen"] = "2026-11-26T10:00:00.000Z"
            process["pilot"] = ["boot_id": R.bootID, "pid": 100, "start_ticks": 10]
            if pid % 3 == 0 { process["panda_id"] = 4_267_387_837 + pid }
            bodies.append(try body(R.record(seq: 1, time: "2026-11-26T10:00:00.000Z", type: pid % 5 == 4 ? "exit" : "process",
                                            body: ["process": process])))
        }
        bodies.append(try body(R.record(seq: 1, time: "2026-11-26T10:00:00.000Z", type: "finding", body: [
            "panda_id": 4_267_387_837, "finding": ["rule": "ISO-PIDNS", "status": "fail", "severity": "critical", "pid": first,
                                                   "message": "same pid namespace",
                                                   "evidence": ["pids": [1, 2.5, -3], "nested": ["b": NSNull(), "a": [true, "x/y"]]]],
        ])))
        bodies.append(try body(R.record(seq: 1, time: "2026-11-26T10:00:00.000Z", type: "heartbeat", body: ["heartbeat": ["cycles": 1]])))
        bodies.append(try body(R.audit(seq: 1, time: "2026-11-26T10:00:01.000Z", jobs: [job("1001", pid: first), job("1002", pid: first + 1)],
                                       unattributed: [R.process(pid: 9, startTicks: 9, startTime: "2026-11-26T09:00:00.000Z", uid: 0, pandaID: "666")])))
        return bodies
    }

    /// The index of `directory` as it is, then as rebuilt from the segments alone.
    static func indexAndRebuild(_ directory: String, problems: Int = 0) throws -> (IndexContents, IndexContents) {
        let taken = try IndexReader(directory: directory).contents()
        let report = try RecordIndex.rebuild(directory: directory)
        #expect(report.problems.count == problems)
        #expect(report.takenFromWriter == 0)
        return (taken, try IndexReader(directory: directory).contents())
    }

    @Test func appendedRecordsGiveTheRowsOfTheirLines() throws {
        let directory = RecordDirectory()
        let appender = RecordAppender(outputDirectory: directory.path, key: RecordSigningKey(), node: Self.node)
        let bodies = try Self.cycle(1000)
        let first = try appender.append(bodies)
        let report = try first.index!.get()
        #expect(report.problems.isEmpty)
        #expect(report.indexedRecords == bodies.count)
        #expect(report.takenFromWriter == bodies.count)
        // A second cycle continues the index where the first left it.
        let second = try appender.append(try Self.cycle(2000))
        #expect(try second.index!.get().takenFromWriter == bodies.count)
        let (taken, rebuilt) = try Self.indexAndRebuild(directory.path)
        #expect(taken.records.count == 2 * bodies.count)
        #expect(taken.processSightings.count > 2 * 20)
        #expect(taken.findings.contains { $0.evidence?.contains("nested") == true })
        #expect(taken == rebuilt)
    }

    @Test func anIndexBehindReadsTheGapAndTakesTheRest() throws {
        let directory = RecordDirectory()
        let key = RecordSigningKey()
        let unindexed = RecordAppender(outputDirectory: directory.path, key: key, node: Self.node, updatesIndex: false)
        #expect(try unindexed.append(try Self.cycle(1000)).index == nil)
        let bodies = try Self.cycle(3000)
        let outcome = try RecordAppender(outputDirectory: directory.path, key: key, node: Self.node).append(bodies)
        let report = try outcome.index!.get()
        #expect(report.indexedRecords == 2 * bodies.count)
        #expect(report.takenFromWriter == bodies.count)
        let (taken, rebuilt) = try Self.indexAndRebuild(directory.path)
        #expect(taken == rebuilt)
    }

    @Test func aBatchAcrossMidnightAndARecoveredLine() throws {
        let directory = RecordDirectory()
        let key = RecordSigningKey()
        _ = try RecordAppender(outputDirectory: directory.path, key: key, node: Self.node).append([try Self.body(
            R.record(seq: 1, time: "2026-11-26T10:00:00.000Z", type: "heartbeat", body: ["heartbeat": ["cycles": 0]]))])
        // A writer killed mid-line: the next writer moves it aside with a recovery record.
        let today = SegmentDirectory.segmentName(for: UTCTime.now()).replacingOccurrences(of: ".jsonl", with: "")
        directory.appendRaw("{\"partial", day: today)
        final class Clock: @unchecked Sendable { var next = TimeExpression.rfc3339("2099-12-31T23:59:59.990Z")!.millisecondsSinceEpoch }
        let clock = Clock()
        let writer = try ChainWriter.open(outputDirectory: directory.path, signer: .single(key), node: Self.node, clock: {
            defer { clock.next += 3 }
            return UTCTime(millisecondsSinceEpoch: clock.next)
        }, keepingWritten: true)
        let bodies = try Self.cycle(5000)
        _ = try writer.append(bodies)
        writer.close()
        #expect(writer.recovered.count == 1)
        // The recovery record and the first records on 2099-12-31, the rest on 2100-01-01.
        #expect(writer.written.first?.record.body.type == .recovery)
        #expect(Set(writer.written.map(\.segment)) == ["2099-12-31.jsonl", "2100-01-01.jsonl"])
        let report = try RecordIndex.update(directory: directory.path, written: writer.written)
        #expect(report.problems.isEmpty)
        #expect(report.takenFromWriter == bodies.count + 1)
        #expect(report.indexedRecords == bodies.count + 1)
        let (taken, rebuilt) = try Self.indexAndRebuild(directory.path)
        #expect(taken.records.filter { $0.file == "records/2100-01-01.jsonl" }.map(\.line) == Array(1...Int64(taken.records.filter { $0.file == "records/2100-01-01.jsonl" }.count)))
        #expect(taken == rebuilt)
    }

    @Test func writtenRecordsThatAreNotWhereTheySayAreReadFromTheSegment() throws {
        let directory = RecordDirectory()
        let key = RecordSigningKey()
        let writer = try ChainWriter.open(outputDirectory: directory.path, signer: .single(key), node: Self.node, keepingWritten: true)
        let bodies = try Self.cycle(1000)
        _ = try writer.append(bodies)
        writer.close()
        // Places one byte off: none matches a line start, so every line is read.
        let shifted = writer.written.map { record in
            var moved = record
            moved.offset += 1
            return moved
        }
        let report = try RecordIndex.update(directory: directory.path, written: shifted)
        #expect(report.takenFromWriter == 0)
        #expect(report.indexedRecords == bodies.count)
        // A segment cut inside its last line (as a crash would leave it): that line is read (and
        // not indexed: incomplete), the others are taken.
        let other = RecordDirectory()
        let segment = try #require(writer.written.first?.segment)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/records/" + segment))
        bytes.removeLast(2)
        try bytes.write(to: URL(fileURLWithPath: other.path + "/records/" + segment))
        let cut = try RecordIndex.update(directory: other.path, written: writer.written)
        #expect(cut.takenFromWriter == bodies.count - 1)
        #expect(cut.problems.map(\.reason) == ["incomplete last line (no newline): not indexed"])
        let (taken, rebuilt) = try Self.indexAndRebuild(directory.path)
        #expect(taken == rebuilt)
        let (takenCut, rebuiltCut) = try Self.indexAndRebuild(other.path, problems: 1)
        #expect(takenCut == rebuiltCut)
    }

    /// A record the writer holds decodes as its line does, including why it is not a record.
    @Test func theWritersValuesDecodeAsTheirLines() throws {
        let bodies = try Self.cycle(1000) + [
            RecordBody(type: .process, members: [JSONMember("process", .object([JSONMember("pid", .string("12"))]))]),
            RecordBody(type: .process, members: [JSONMember("process", .object([JSONMember("pid", .number(1.5)), JSONMember("start_ticks", .number(1))]))]),
            RecordBody(type: .process, members: [JSONMember("process", .object([JSONMember("pid", .number(1))]))]),
            RecordBody(type: .audit, members: [JSONMember("audit", .object([JSONMember("jobs", .array([.object([JSONMember("panda_id", .bool(true))])]))]))]),
            RecordBody(type: .audit, members: [JSONMember("audit", .array([]))]),
        ]
        let key = RecordSigningKey()
        var outcomes: [String] = []
        for (seq, body) in bodies.enumerated() {
            let record = Record(seq: Int64(seq + 1), time: UTCTime(millisecondsSinceEpoch: 1_764_151_200_000), node: Self.node,
                                prev: Record.genesisPrev, keyID: key.keyID, body: body)
            let line = try record.line(signedWith: key)
            let fromLine = Result { () throws(RecordLineError) in try RecordLine.decode(line, body: IndexedBody.self) }
            let fromValues = Result { () throws(RecordLineError) in try RecordLine.decode(record.unsigned, body: IndexedBody.self) }
            switch (fromLine, fromValues) {
            case (.failure(let a), .failure(let b)):
                #expect(a == b)
                outcomes.append("\(a)")
            case (.success(let a), .success(let b)):
                #expect(a.seq == b.seq && a.type == b.type && a.time == b.time && a.node == b.node && a.keyID == b.keyID)
                #expect(Self.dump(a.body) == Self.dump(b.body))
            default:
                Issue.record("seq \(seq + 1): the line gives \(fromLine), the values \(fromValues)")
            }
        }
        #expect(outcomes == [
            // JSONDecoder names no field for a number that does not fit.
            "not a record: process.pid has the wrong type", "not valid JSON",
            "not a record: no process.start_ticks", "not a record: audit.jobs.[0].panda_id has the wrong type",
            "not a record: audit has the wrong type",
        ])
    }

    /// A decoded value as text, dictionaries in key order (their own order is not stable).
    static func dump(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .dictionary {
            return "[" + mirror.children.map { entry in
                let pair = Mirror(reflecting: entry.value).children.map { dump($0.value) }
                return pair.joined(separator: ": ")
            }.sorted().joined(separator: ", ") + "]"
        }
        guard !mirror.children.isEmpty else { return "\(value)" }
        return "\(mirror.subjectType)(" + mirror.children.map { "\($0.label ?? ""): \(dump($0.value))" }.joined(separator: ", ") + ")"
    }

    /// Any JSON (a finding's evidence): random trees decode from the values as JSONDecoder
    /// decodes their canonical JSON (integers, fractions, 2^53, strings with escapes).
    @Test func randomValuesDecodeAsTheirJSON() throws {
        var generator = SplitMix64(seed: 20_261_205_20)
        let texts = ["", "a/b", "\u{0}\u{1f}\"\\", "caf\u{e9}", "e\u{301}", "\u{1F600}", "4267387837", "null"]
        func value(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &generator) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &generator))
            case 2: return .number(Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &generator)))
            case 3: return .number([0.5, -2.25, 1e21, 1e-7, 123456.789][Int.random(in: 0..<5, using: &generator)])
            case 4: return .string(texts.randomElement(using: &generator)!)
            case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in value(depth + 1) })
            default:
                // Keys Swift tells apart (a Dictionary merges canonically equivalent ones).
                let keys = Set((0..<Int.random(in: 0...4, using: &generator)).map { _ in ["", "a/b", "\u{1}\"", "caf\u{e9}", "x", "y"].randomElement(using: &generator)! })
                return .object(keys.sorted().map { JSONMember($0, value(depth + 1)) })
            }
        }
        for round in 0..<500 {
            let tree = value(0)
            let fromText = try JSONDecoder().decode(EvidenceValue.self, from: Data(try CanonicalJSON.bytes(tree)))
            let fromValues = try JSONValueDecoder().decode(EvidenceValue.self, from: tree)
            #expect(fromText == fromValues, "round \(round)")
        }
    }
}
