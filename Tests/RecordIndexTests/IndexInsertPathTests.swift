import Base
import Foundation
import GRDB
import Testing
import TestSupport
@testable import RecordIndex
import Records

/// The index's insert path without Codable: rows bound straight into prepared statements
/// (`IndexInserter`), facts read straight from the writer's values (`RecordValueReader`), JSON
/// columns written without JSONEncoder (`IndexJSONText`). Each is held to what it replaces: GRDB's
/// Codable records, `JSONValueDecoder`, JSONEncoder; and the index taken from the writer equals the
/// one rebuilt from the segments row for row, storage class included.
@Suite struct IndexInsertPathTests {
    typealias R = SyntheticRecords

    /// Strings that test every escape: quotes, backslashes, slashes, every control character,
    /// DEL, non-ASCII, U+2028, and lengths around the eight-byte words the writer scans.
    static func hostileString(_ generator: inout SplitMix64) -> String {
        let pieces = ["/", "\"", "\\", "a", "Z", "0", " ", "\u{7f}", "\u{e9}", "e\u{301}", "\u{2028}", "\u{1F600}", "--x=", "/usr/lib64"]
        var text = ""
        for _ in 0..<Int.random(in: 0...40, using: &generator) {
            if Int.random(in: 0..<4, using: &generator) == 0 {
                text.unicodeScalars.append(Unicode.Scalar(UInt8.random(in: 0..<0x20, using: &generator)))
            } else {
                text += pieces.randomElement(using: &generator)!
            }
        }
        return text
    }

    @Test func arraysAreWrittenAsGRDBsJSONEncoderWritesThem() throws {
        var generator = SplitMix64(seed: 2026_12_05_01)
        let encoder = ProcessSighting.databaseJSONEncoder(for: "cmdline")
        for _ in 0..<2_000 {
            let strings = (0..<Int.random(in: 0...6, using: &generator)).map { _ in Self.hostileString(&generator) }
            #expect(IndexJSONText.strings(strings) == String(decoding: try encoder.encode(strings), as: UTF8.self), "\(strings)")
            let integers = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                [Int64.min, Int64.max, 0, -1, 10, 64902, Int64.random(in: Int64.min...Int64.max, using: &generator)].randomElement(using: &generator)!
            }
            #expect(IndexJSONText.integers(integers) == String(decoding: try encoder.encode(integers), as: UTF8.self))
        }
    }

    /// Evidence as the index has always written it: decoded to `EvidenceValue`, JSONEncoder with
    /// sorted keys and slashes as they are. What the fast writer leaves (fractions, non-ASCII keys)
    /// it says so, and the ingester then takes that way.
    @Test func evidenceIsWrittenAsJSONEncoderWritesIt() throws {
        var generator = SplitMix64(seed: 2026_12_05_02)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func value(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &generator) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &generator))
            case 2: return .number(Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &generator)))
            case 3: return .number([0.5, 1e21, -0.0, 4026532001, 9.2e18][Int.random(in: 0..<5, using: &generator)])
            case 4: return .string(Self.hostileString(&generator))
            case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in value(depth + 1) })
            default:
                let keys = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                    ["payload_uids", "pilot_uid", "B", "_x", "a-b", "a10", "a2", "x/y", "\u{1}\"", "caf\u{e9}", "pid"].randomElement(using: &generator)!
                }
                return .object(keys.map { JSONMember($0, value(depth + 1)) })
            }
        }
        var written = 0
        for round in 0..<3_000 {
            let tree = value(0)
            let expected = String(decoding: try encoder.encode(try JSONValueDecoder().decode(EvidenceValue.self, from: tree)), as: UTF8.self)
            if let text = IndexJSONText.evidence(tree) {
                written += 1
                #expect(text == expected, "round \(round)")
            }
        }
        #expect(written > 1_000)
    }

    /// Every row the inserter writes is the row GRDB's Codable record wrote: same values, same
    /// storage classes, strings cut at a NUL as GRDB binds them, empty strings and arrays as text.
    @Test func theInserterWritesTheRowsGRDBsRecordsWrote() throws {
        var generator = SplitMix64(seed: 2026_12_05_03)
        func text() -> String? {
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: return nil
            case 1: return ""
            case 2: return "a\u{0}b"
            default: return Self.hostileString(&generator)
            }
        }
        func number() -> Int64? { Bool.random(using: &generator) ? nil : Int64.random(in: -5...Int64.max, using: &generator) }
        func strings() -> [String]? { Bool.random(using: &generator) ? nil : (0..<Int.random(in: 0...4, using: &generator)).map { _ in text() ?? "" } }
        func integers() -> [Int64]? { Bool.random(using: &generator) ? nil : (0..<Int.random(in: 0...4, using: &generator)).map { _ in number() ?? 0 } }
        // The same rows into two databases: as GRDB's records, and through the inserter.
        let viaGRDB = try DatabaseQueue()
        let viaInserter = try DatabaseQueue()
        try viaGRDB.write { db in try IndexSchema.create(db) }
        try viaInserter.write { db in try IndexSchema.create(db) }
        for chunk in 0..<7 {
            // Batches of several sizes: rows held back and rows written sixteen at a time.
            let count = [0, 1, 15, 16, 17, 40, 3][chunk]
            var records: [IndexedRecord] = [], sightings: [ProcessSighting] = [], jobs: [JobSighting] = [], findings: [RecordedFinding] = []
            for position in 0..<count {
                let seq = Int64(chunk * 100 + position)
                records.append(IndexedRecord(seq: seq, file: text() ?? "f", line: seq, offset: seq * 100, length: 99, type: "process",
                                             time: number() ?? 0, sha256: text() ?? "", hostname: text(), bootID: text()))
                sightings.append(ProcessSighting(
                    recordSeq: seq, role: text() ?? "payload", bootID: text() ?? "", pid: number() ?? 1, startTicks: number() ?? 2,
                    startTime: number(), firstSeen: number() ?? 3, lastSeen: number() ?? 4, uid: number(), uids: integers(), gids: integers(),
                    pandaID: text(), taskID: text(), claimedPandaID: text(), pilotBootID: text(), pilotPID: number(), pilotStartTicks: number(),
                    containerRuntime: text(), containerImage: text(), nsCgroup: number(), nsIPC: number(), nsMnt: number(), nsNet: number(),
                    nsPID: number(), nsPIDForChildren: number(), nsTime: number(), nsUser: number(), nsUTS: number(),
                    cmdline: strings(), exe: text(), cgroup: text()))
                jobs.append(JobSighting(recordSeq: seq, pandaID: text() ?? "", taskID: text(), pilotBootID: text(), pilotPID: number(),
                                        pilotStartTicks: number(), firstSeen: number() ?? 0, lastSeen: number() ?? 0,
                                        isolated: [nil, true, false].randomElement(using: &generator)!, failingRules: strings(),
                                        containerRuntime: text(), containerImage: text(), jobDirectory: text(), batchJobID: text()))
                findings.append(RecordedFinding(recordSeq: seq, seen: number() ?? 0, pandaID: text(), rule: text() ?? "ISO-UID",
                                                status: text() ?? "fail", severity: text(), pid: number(), message: text(), evidence: text()))
            }
            try viaGRDB.write { db in
                for row in records { try row.insert(db) }
                for row in sightings { try row.insert(db) }
                for row in jobs { try row.insert(db) }
                for row in findings { try row.insert(db) }
            }
            try viaInserter.write { db in
                let inserter = try IndexInserter(db)
                for index in 0..<count {
                    try inserter.insert(records[index])
                    try inserter.insert(sightings[index])
                    try inserter.insert(jobs[index])
                    try inserter.insert(findings[index])
                }
                try inserter.finish()
            }
        }
        for table in ["record", "process_sighting", "job_sighting", "finding"] {
            let expected = try viaGRDB.read { db in try Self.typedRows(db, table, order: "rowid") }
            let written = try viaInserter.read { db in try Self.typedRows(db, table, order: "rowid") }
            #expect(expected.count == 92)
            #expect(written == expected, "\(table)")
        }
    }

    @Test("a record with many sightings: its row is written before theirs (foreign keys checked, as in query --verify's index)")
    func referencedRecordRowsComeFirst() throws {
        let queue = try DatabaseQueue()  // GRDB checks foreign keys by default
        try queue.write { db in try IndexSchema.create(db) }
        try queue.write { db in
            let inserter = try IndexInserter(db)
            for seq in Int64(1)...3 {
                try inserter.insert(IndexedRecord(seq: seq, file: "f", line: seq, offset: seq * 100, length: 99, type: "exit",
                                                  time: 0, sha256: "", hostname: nil, bootID: nil))
                for pid in Int64(1)...40 {
                    try inserter.insert(ProcessSighting(
                        recordSeq: seq, role: "payload", bootID: "b", pid: pid, startTicks: pid, startTime: nil, firstSeen: 0, lastSeen: 0,
                        uid: nil, uids: nil, gids: nil, pandaID: "4267387837", taskID: nil, claimedPandaID: nil, pilotBootID: nil,
                        pilotPID: nil, pilotStartTicks: nil, containerRuntime: nil, containerImage: nil, nsCgroup: nil, nsIPC: nil,
                        nsMnt: nil, nsNet: nil, nsPID: nil, nsPIDForChildren: nil, nsTime: nil, nsUser: nil, nsUTS: nil,
                        cmdline: nil, exe: nil, cgroup: nil))
                    try inserter.insert(RecordedFinding(recordSeq: seq, seen: 0, pandaID: nil, rule: "TRACE-ATTR", status: "fail",
                                                        severity: nil, pid: pid, message: nil, evidence: nil))
                }
            }
            try inserter.finish()
        }
        let counts = try queue.read { db in
            try ["record", "process_sighting", "finding"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1 }
        }
        #expect(counts == [3, 120, 120])
    }

    /// Every column of every row as (storage class, value), in `order`.
    static func typedRows(_ db: Database, _ table: String, order: String) throws -> [[String]] {
        let columns = try db.columns(in: table).map(\.name)
        let select = columns.map { "typeof(\($0)) || ':' || coalesce(quote(\($0)), '')" }.joined(separator: ", ")
        return try Row.fetchAll(db, sql: "SELECT \(select) FROM \(table) ORDER BY \(order)").map { row in
            (0..<row.count).map { row[$0] as String }
        }
    }

    /// The whole index of `directory`, every table row for row with storage classes.
    static func dump(_ directory: String) throws -> [String: [[String]]] {
        let queue = try DatabaseQueue(path: directory + "/index.sqlite")
        defer { try? queue.close() }
        return try queue.read { db in
            var tables: [String: [[String]]] = [:]
            for table in IndexSchema.tables { tables[table] = try typedRows(db, table, order: "rowid") }
            // Every sighting, from either table, as one row (`SightingRows`).
            for view in IndexSchema.views { tables[view] = try typedRows(db, view, order: "id") }
            return tables
        }
    }

    /// A batch indexed from the writer's values gives, row for row, the index rebuilt from the
    /// segments: the daemon's first cycle (audit, process and exit records with escapes and
    /// numbers for IDs, findings with evidence, a heartbeat) and the event source's records of
    /// several processes.
    @Test func aBatchFromTheWriterEqualsTheRebuiltIndexRowForRow() throws {
        let directory = RecordDirectory()
        var bodies = try IndexWrittenRecordsTests.cycle(1000)
        var processes: [JSONValue] = []
        for pid in 5000..<5012 {
            var process = R.process(pid: pid, startTicks: pid, startTime: "2026-11-26T10:00:00.250Z", uid: 64902, pandaID: "4267387837")
            process["cmdline"] = ["/bin/sh", "-c", "id -u; cat /etc/passwd \u{1}"]
            process["role"] = "payload"
            process["first_seen"] = "2026-11-26T10:00:00.250Z"
            process["last_seen"] = pid % 2 == 0 ? "2026-11-26T10:00:00.900Z" : NSNull()
            process["seen_by"] = "event"
            let data = try JSONSerialization.data(withJSONObject: process, options: [.sortedKeys])
            processes.append(try JSONParser().parse(String(decoding: data, as: UTF8.self)))
        }
        bodies.append(RecordBody(type: .process, members: [JSONMember("panda_id", .string("4267387837")), JSONMember("processes", .array(processes))]))
        bodies.append(RecordBody(type: .exit, members: [JSONMember("processes", .array(Array(processes.prefix(5))))]))
        let report = try RecordAppender(outputDirectory: directory.path, key: RecordSigningKey(), node: IndexWrittenRecordsTests.node).append(bodies).index!.get()
        #expect(report.problems.isEmpty)
        #expect(report.takenFromWriter == bodies.count)
        let taken = try Self.dump(directory.path)
        #expect(taken["process_sighting_all"]!.count > 50 && taken["event_sighting"]!.count == 17)
        #expect(taken["finding"]!.contains { $0.joined().contains("nested") })
        try RecordIndex.rebuild(directory: directory.path)
        let rebuilt = try Self.dump(directory.path)
        for table in IndexSchema.tables + IndexSchema.views {
            #expect(taken[table] == rebuilt[table], "\(table)")
        }
    }

    /// The reader gives what decoding gives, or nothing (and the ingester then decodes): on the
    /// records of a cycle, and on each of them spoiled one member at a time (a member removed,
    /// set to null, to a string, to a fraction, to an object, or stated twice).
    @Test func theReaderReadsWhatDecodingGivesOrNothing() throws {
        let key = RecordSigningKey()
        var read = 0, left = 0
        func check(_ value: JSONValue, _ what: String) {
            let decoded = try? RecordLine.decode(value, body: IndexedBody.self)
            let fast = RecordValueReader.envelope(value)
            switch (decoded, fast) {
            case (let decoded?, let fast?):
                read += 1
                #expect(decoded.seq == fast.seq && decoded.type == fast.type && decoded.time == fast.time && decoded.node == fast.node, "\(what)")
                #expect(IndexWrittenRecordsTests.dump(decoded.body) == IndexWrittenRecordsTests.dump(Self.decodedEvidence(fast.body)), "\(what)")
            case (nil, nil):
                left += 1
            case (nil, .some):
                Issue.record("\(what): decoding fails, the reader reads it")
            case (.some, nil):
                Issue.record("\(what): decoding reads it, the reader does not")
            }
        }
        let bodies = try IndexWrittenRecordsTests.cycle(1000)
        for (seq, body) in bodies.enumerated() {
            let record = Record(seq: Int64(seq + 1), time: UTCTime(millisecondsSinceEpoch: 1_764_151_200_000), node: IndexWrittenRecordsTests.node,
                                prev: Record.genesisPrev, keyID: key.keyID, body: body)
            let value = record.unsigned
            check(value, "seq \(seq + 1)")
            for (path, spoiled) in Self.spoiled(value, path: "") { check(spoiled, "seq \(seq + 1) \(path)") }
        }
        #expect(read > 500)
        #expect(left > 500)
    }

    /// A line (`index --rebuild`) is read without a decoder only when it is canonical JSON, and
    /// then as decoding it with Foundation's JSONDecoder reads it: on the lines of a cycle, and on
    /// each of them spoiled one member at a time, written canonically; the same lines with a
    /// space, or a key written with an escape, are left to decoding.
    @Test func aCanonicalLineIsReadAsDecodingReadsIt() throws {
        let key = RecordSigningKey()
        var read = 0, left = 0, leftAlthoughDecoded = 0
        func check(_ line: [UInt8], _ what: String) {
            let decoded = try? RecordLine.decode(line, body: IndexedBody.self)
            guard let fast = RecordIngester.read(line) else {
                left += 1
                if decoded != nil { leftAlthoughDecoded += 1 }
                return
            }
            read += 1
            guard let decoded else {
                Issue.record("\(what): decoding refuses it, the reader reads it")
                return
            }
            #expect(decoded.seq == fast.seq && decoded.type == fast.type && decoded.time == fast.time && decoded.node == fast.node, "\(what)")
            #expect(IndexWrittenRecordsTests.dump(decoded.body) == IndexWrittenRecordsTests.dump(Self.decodedEvidence(fast.body)), "\(what)")
        }
        let bodies = try IndexWrittenRecordsTests.cycle(1000)
        for (seq, body) in bodies.enumerated() {
            let record = Record(seq: Int64(seq + 1), time: UTCTime(millisecondsSinceEpoch: 1_764_151_200_000), node: IndexWrittenRecordsTests.node,
                                prev: Record.genesisPrev, keyID: key.keyID, body: body)
            let line = try record.line(signedWith: key)
            check(line, "seq \(seq + 1)")
            // All but the finding, whose evidence holds a fraction (2.5): the one-pass check leaves those.
            #expect((RecordIngester.read(line) != nil) == (body.type != .finding), "seq \(seq + 1): a line as the writer writes it is read")
            #expect(RecordIngester.read(Array(" ".utf8) + line) == nil)
            let object = try JSONParser().parse(line)
            // A key written with an escape: the same record to a decoder, not canonical.
            let escaped = String(decoding: line, as: UTF8.self).replacingOccurrences(of: "\"seq\":", with: "\"s\\u0065q\":")
            #expect(RecordIngester.read(Array(escaped.utf8)) == nil)
            #expect((try? RecordLine.decode(Array(escaped.utf8), body: IndexedBody.self))?.seq == Int64(seq + 1))
            for (path, spoiled) in Self.spoiled(object, path: "") {
                guard let bytes = try? CanonicalJSON.bytes(spoiled) else { continue }
                check(bytes, "seq \(seq + 1) \(path)")
            }
        }
        #expect(read > 500)
        #expect(left > 500)
        #expect(leftAlthoughDecoded > 0, "lines the reader leaves and decoding reads (a key twice) are decoded")
    }

    /// The body with evidence decoded as a line's would be, to compare with a decoded body.
    static func decodedEvidence(_ body: IndexedBody) -> IndexedBody {
        func decoded(_ finding: RecordedFindingFacts) -> RecordedFindingFacts {
            var finding = finding
            if case .value(let value)? = finding.evidence {
                finding.evidence = .decoded(try! JSONValueDecoder().decode(EvidenceValue.self, from: value))
            }
            return finding
        }
        var body = body
        body.finding = body.finding.map(decoded)
        if var audit = body.audit {
            audit.nodeFindings = audit.nodeFindings?.map(decoded)
            audit.jobs = audit.jobs.map { job in
                var job = job
                job.findings = job.findings?.map(decoded)
                return job
            }
            body.audit = audit
        }
        return body
    }

    /// `value` with one member spoiled, for every member of every object down to depth 4 (the
    /// first element of each array only): (where, the spoiled value).
    static func spoiled(_ value: JSONValue, path: String, depth: Int = 0) -> [(String, JSONValue)] {
        guard depth < 5 else { return [] }
        switch value {
        case .array(let elements):
            return elements.prefix(1).enumerated().flatMap { index, element in
                spoiled(element, path: "\(path)[\(index)]", depth: depth + 1).map { where_, changed in
                    var copy = elements
                    copy[index] = changed
                    return (where_, JSONValue.array(copy))
                }
            }
        case .object(let members):
            var results: [(String, JSONValue)] = []
            for (index, member) in members.enumerated() {
                let here = path + "." + member.key
                var removed = members
                removed.remove(at: index)
                results.append((here + " removed", .object(removed)))
                for replacement: JSONValue in [.null, .string("7"), .number(1.5), .object([]), .number(7)] {
                    var copy = members
                    copy[index].value = replacement
                    results.append((here + " = \(replacement)", .object(copy)))
                }
                results.append((here + " twice", .object(members + [JSONMember(member.key, .null)])))
                results.append((here + " twice, first null", .object([JSONMember(member.key, .bool(true))] + members)))
                for (inner, changed) in spoiled(member.value, path: here, depth: depth + 1) {
                    var copy = members
                    copy[index].value = changed
                    results.append((inner, .object(copy)))
                }
            }
            return results
        default:
            return []
        }
    }
}
