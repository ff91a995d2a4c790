import Testing
@testable import RecordIndex

/// A record type this isotrace does not know is never skipped in silence: the index and the
/// central store's fact extraction say which file, line and seq hold it, and what the type was.
@Suite struct UnknownRecordTypeTests {
    typealias R = SyntheticRecords

    @Test("the index reports an unknown record type with its file and line, and indexes the rest")
    func indexNamesFileAndLine() throws {
        let directory = RecordDirectory()
        directory.append([
            R.audit(seq: 1, time: "2026-11-26T10:00:00.000Z", jobs: []),
            R.record(seq: 2, time: "2026-11-26T10:15:00.000Z", type: "teleport", body: ["teleport": ["to": "mars"]]),
            R.record(seq: 3, time: "2026-11-26T10:30:00.000Z", type: "heartbeat", body: ["heartbeat": [:] as [String: Any]]),
        ])
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.indexedRecords == 2)
        #expect(report.lastSeq == 3)
        #expect(report.problems.count == 1)
        let problem = try #require(report.problems.first)
        #expect(problem.file == "records/2026-11-26.jsonl" && problem.line == 2)
        #expect(problem.description == #"records/2026-11-26.jsonl:2: seq 2: unknown record type "teleport": not indexed"#)
        #expect(try IndexReader(directory: directory.path).statistics().records == 2)
    }

    @Test("a hostile type name is quoted with its control bytes escaped")
    func hostileNameEscaped() throws {
        let directory = RecordDirectory()
        directory.append([R.record(seq: 1, time: "2026-11-26T10:00:00.000Z", type: "x\u{1b}[2J\nfake", body: [:])])
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.problems.map(\.description) == [#"records/2026-11-26.jsonl:1: seq 1: unknown record type "x\u001b[2J\nfake": not indexed"#])
    }

    @Test("the facts a central store ships say the type is unknown instead of sending the line")
    func factsRefuseUnknownType() {
        let line = Array(R.record(seq: 9, time: "2026-11-26T10:00:00.000Z", type: "teleport", body: [:]).utf8)
        guard case .failure(let error) = RecordFacts.extract(line) else {
            Issue.record("a line of unknown type was accepted")
            return
        }
        #expect(error.reason == #"seq 9: unknown record type "teleport""#)
    }
}
