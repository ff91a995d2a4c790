import Base
import Foundation
import ProcFS
import Records
import TestSupport
import Testing

/// A clock the test moves by hand (milliseconds since the epoch).
final class TestClock {
    var milliseconds: Int64
    init(_ time: String = "2026-11-26T07:05:53.063Z") { milliseconds = TestClock.parse(time) }
    func now() -> UTCTime {
        milliseconds += 7
        return UTCTime(millisecondsSinceEpoch: milliseconds)
    }
    /// Only the forms used here: 2026-11-DDTHH:MM:SS.mmmZ.
    static func parse(_ text: String) -> Int64 {
        let digits = text.split(whereSeparator: { !$0.isNumber }).map { Int64($0)! }
        let days = Int64(20_783) + (digits[2] - 26)  // 2026-11-26 is day 20783 since 1970-01-01
        return ((days * 24 + digits[3]) * 60 + digits[4]) * 60_000 + digits[5] * 1000 + digits[6]
    }
}

/// A chain in a temp directory, written in-process with a fresh key.
struct TestChain {
    let directory: TestDirectory
    let key: RecordSigningKey
    let node = RecordNode(hostname: "wn042.example.org", bootID: "5f3e7818-07e2-431b-892c-3a6b909258ff", machineID: nil)
    let clock = TestClock()

    init(records: Int) throws {
        directory = try TestDirectory()
        key = try KeyPairFiles(outputDirectory: directory.path).create()
        if records > 0 { _ = try append((1...records).map(TestChain.body)) }
    }

    static func body(_ number: Int) -> RecordBody {
        RecordBody(type: .audit, members: [JSONMember("audit", .object([JSONMember("n", .number(Double(number))), JSONMember("note", .string("job \(number)"))]))])
    }

    func writer() throws -> ChainWriter {
        try ChainWriter.open(outputDirectory: directory.path, key: key, node: node, clock: clock.now)
    }

    func append(_ bodies: [RecordBody]) throws -> [AppendedRecord] {
        let writer = try writer()
        defer { writer.close() }
        return try writer.append(bodies)
    }

    var segmentPath: String { directory.path + "/records/2026-11-26.jsonl" }

    func lines() throws -> [String] { try chainLines(directory.path) }

    func rewrite(_ lines: [String], terminated: Bool = true) throws {
        try (lines.joined(separator: "\n") + (terminated ? "\n" : "")).write(toFile: segmentPath, atomically: false, encoding: .utf8)
    }

    func verify() throws -> VerificationReport {
        try ChainVerifier(outputDirectory: directory.path, publicKey: key.publicKey).verify()
    }
}

@Suite struct ChainTests {
    @Test("records are canonical, signed, chained and numbered across a batch with one fsync")
    func batchAppend() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        var appended: [AppendedRecord] = []
        for batch in 0..<6 { appended += try chain.append((1...50).map { TestChain.body(batch * 50 + $0) }) }
        #expect(appended.map(\.seq) == Array(1...300))
        let lines = try chain.lines()
        #expect(lines.count == 300)
        let first = try JSONParser().parse(lines[0])
        #expect(first["prev"]?.stringValue == String(repeating: "0", count: 64))
        #expect(first["v"] == .number(1) && first["type"] == .string("audit") && first["key_id"] == .string(chain.key.keyID))
        #expect(first["time"]?.stringValue == "2026-11-26T07:05:53.070Z")
        let node = try #require(first["node"])
        #expect(try CanonicalJSON.string(node) == CanonicalJSON.string(chain.node.json))
        #expect(try CanonicalJSON.string(first) == lines[0])
        #expect(try JSONParser().parse(lines[1])["prev"]?.stringValue == Record.hash(ofLine: Array(lines[0].utf8)))
        let report = try chain.verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.records == 300 && report.firstSeq == 1 && report.lastSeq == 300 && report.segments == 1)
    }

    @Test("a batch larger than a write chunk, handed over by another thread as it is built: every line where `written` says, chained, verified; a body that cannot be written cuts the segment back")
    func chunkedHandOff() throws {
        let chain = try TestChain(records: 1)
        defer { chain.directory.remove() }
        let before = try Data(contentsOf: URL(fileURLWithPath: chain.segmentPath))
        // 12 records of ~300 KB: several chunks of ChainWriter.chunkBytes written before the fsync.
        let big = { (number: Int) in
            RecordBody(type: .audit, members: [JSONMember("audit", .object([JSONMember("n", .number(Double(number))),
                                                                          JSONMember("padding", .string(String(repeating: "x", count: 300_000 + number)))]))])
        }
        let queue = HandOffQueue<RecordBody>()
        let producer = BackgroundThread { () -> Int in
            for number in 1...12 { queue.put(big(number)) }
            queue.finish()
            return 12
        }
        let writer = try ChainWriter.open(outputDirectory: chain.directory.path, signer: .single(chain.key), node: chain.node, clock: chain.clock.now,
                                          keepingWritten: true)
        let appended = try writer.append(queue)
        writer.close()
        #expect(producer.join() == 12)
        #expect(appended.map(\.seq) == Array(2...13))
        let data = try Data(contentsOf: URL(fileURLWithPath: chain.segmentPath))
        #expect(data.prefix(before.count) == before)
        #expect(writer.written.map(\.record.seq) == Array(2...13))
        for line in writer.written {
            let bytes = [UInt8](data[Int(line.offset)..<Int(line.offset + line.length)])
            #expect(data[Int(line.offset + line.length)] == 0x0A)
            #expect(Record.hash(ofLine: bytes) == line.lineHash)
            #expect(try JSONParser().parse(bytes)["seq"] == .number(Double(line.record.seq)))
        }
        let report = try chain.verify()
        #expect(report.isIntact && report.records == 13, "\(report.problems)")

        // A body that cannot be written (a non-finite number), after more than a chunk of lines:
        // nothing of the batch stays, the chain is as it was.
        let intact = try Data(contentsOf: URL(fileURLWithPath: chain.segmentPath))
        let broken = RecordBody(type: .audit, members: [JSONMember("audit", .number(.infinity))])
        #expect(throws: (any Error).self) { try chain.append((20...25).map(big) + [broken]) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: chain.segmentPath)) == intact)
        #expect(try chain.append([TestChain.body(30)]).map(\.seq) == [14])
        #expect(try chain.verify().isIntact)
    }

    @Test("segments roll over at midnight UTC; a clock going back never writes to an older segment")
    func segments() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        chain.clock.milliseconds = TestClock.parse("2026-11-26T23:59:59.990Z")
        let appended = try chain.append([TestChain.body(1), TestChain.body(2), TestChain.body(3)])
        #expect(appended.map { URL(fileURLWithPath: $0.file).lastPathComponent } == ["2026-11-26.jsonl", "2026-11-27.jsonl", "2026-11-27.jsonl"])
        chain.clock.milliseconds = TestClock.parse("2026-11-26T12:00:00.000Z")
        let late = try chain.append([TestChain.body(4)])
        #expect(URL(fileURLWithPath: late[0].file).lastPathComponent == "2026-11-27.jsonl")
        let report = try chain.verify()
        #expect(report.isIntact && report.segments == 2 && report.lastSeq == 4, "\(report.problems)")
    }

    @Test("a partial last line is moved aside, named by a recovery record, and the chain continues")
    func recovery() throws {
        let chain = try TestChain(records: 3)
        defer { chain.directory.remove() }
        let before = try Data(contentsOf: URL(fileURLWithPath: chain.segmentPath))
        // What a writer killed in the middle of its write(2) leaves: the start of record 4.
        let lines = try chain.lines()
        let record4 = try Record(seq: 4, time: chain.clock.now(), node: chain.node, prev: Record.hash(ofLine: Array(lines[2].utf8)),
                                 keyID: chain.key.keyID, body: TestChain.body(4)).line(signedWith: chain.key)
        let partial = Array(record4.prefix(100))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: chain.segmentPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: partial)
        try handle.close()
        let broken = try chain.verify()
        #expect(broken.problems.map(\.reason).contains { $0.hasPrefix("truncated line") } && broken.problems.first?.line == 4)

        let writer = try chain.writer()
        #expect(writer.recovered.count == 1)
        let recovered = try #require(writer.recovered.first)
        #expect(recovered.file == chain.segmentPath + ".1.partial" && recovered.bytes == 100 && recovered.record.seq == 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: recovered.file)) == Data(partial))
        #expect(try writer.append(TestChain.body(5)).seq == 5)
        writer.close()

        let after = try Data(contentsOf: URL(fileURLWithPath: chain.segmentPath))
        #expect(after.prefix(before.count) == before)  // complete lines never rewritten
        let recoveryRecord = try JSONParser().parse(try chain.lines()[3])
        #expect(recoveryRecord["type"] == .string("recovery"))
        #expect(recoveryRecord["partial_file"] == .string("2026-11-26.jsonl.1.partial") && recoveryRecord["partial_bytes"] == .number(100))
        let report = try chain.verify()
        #expect(report.isIntact && report.lastSeq == 5 && report.partialFiles == [recovered.file], "\(report.problems)")
    }

    @Test("a newest segment holding only a partial line: the head is in the segment before")
    func recoveryInNewSegment() throws {
        let chain = try TestChain(records: 2)
        defer { chain.directory.remove() }
        let next = chain.directory.path + "/records/2026-11-27.jsonl"
        #expect(FileManager.default.createFile(atPath: next, contents: Data("{\"audit\":{\"n\":3".utf8)))
        chain.clock.milliseconds = TestClock.parse("2026-11-27T00:10:00.000Z")
        let writer = try chain.writer()
        #expect(writer.recovered.map(\.record.seq) == [3])
        #expect(try writer.append(TestChain.body(4)).seq == 4)
        writer.close()
        let report = try chain.verify()
        #expect(report.isIntact && report.lastSeq == 4 && report.segments == 2, "\(report.problems)")
    }

    @Test("the writer refuses to continue from a corrupt last record, naming the file")
    func corruptHead() throws {
        let chain = try TestChain(records: 2)
        defer { chain.directory.remove() }
        try chain.rewrite(try chain.lines() + ["{\"seq\": not json}"])
        #expect {
            try chain.writer()
        } throws: { error in
            (error as? ChainError)?.path == chain.segmentPath
        }
        #expect(try chain.lines().count == 3)
    }

    @Test("verify reads a record with an unknown or missing key as tampered")
    func unknownKeys() throws {
        let chain = try TestChain(records: 2)
        defer { chain.directory.remove() }
        var lines = try chain.lines()
        lines[1] = lines[1].replacingOccurrences(of: "\"audit\":", with: "\"extra\":1,\"audit\":")
        lines[0] = lines[0].replacingOccurrences(of: ",\"v\":1}", with: "}")
        try chain.rewrite(lines)
        let reasons = try chain.verify().problems.map { "\($0.line) \($0.reason)" }
        #expect(reasons.contains("1 missing key \"v\""))
        #expect(reasons.contains("2 unknown key \"extra\" for type audit"))
    }
}
