import Foundation
import Testing
@testable import RecordIndex

/// Building the index from segments: the real audit fixture, incremental updates, rebuild, and
/// lines that are not records.
@Suite struct IndexBuildTests {
    typealias R = SyntheticRecords

    static func job(_ pandaID: String, task: String = "77", pid: Int, ticks: Int, start: String, uid: Int = 64902) -> [String: Any] {
        R.job(pandaID: pandaID, taskID: task,
              pilot: R.process(pid: 100, startTicks: 10, startTime: "2026-11-26T00:00:00.000Z", uid: 64901),
              processes: [R.process(pid: pid, startTicks: ticks, startTime: start, uid: uid, pidNS: 4026532001, pandaID: pandaID)],
              findings: [R.finding(rule: "ISO-UID", status: "pass", pid: pid, message: "uid differs")])
    }

    @Test func indexesTheRealAuditFixture() throws {
        let directory = RecordDirectory()
        directory.append([R.fixtureAudit(seq: 1, time: "2026-11-26T07:14:23.000Z")])
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.indexedRecords == 1)
        #expect(report.rebuilt)
        #expect(report.problems.isEmpty)
        let statistics = try IndexReader(directory: directory.path).statistics()
        // 3 jobs: pilots 3, payloads 5 + 3 + 3; findings 14 per job + 3 node findings.
        #expect(statistics.records == 1)
        #expect(statistics.jobSightings == 3)
        #expect(statistics.processSightings == 14)
        #expect(statistics.findings == 45)
    }

    @Test func updateIndexesOnlyNewRecordsAcrossSegments() throws {
        let directory = RecordDirectory()
        directory.append([
            R.audit(seq: 1, time: "2026-11-26T10:00:00.000Z", jobs: [Self.job("1001", pid: 500, ticks: 1000, start: "2026-11-26T09:59:00.000Z")]),
            R.audit(seq: 2, time: "2026-11-26T11:00:00.000Z", jobs: [Self.job("1001", pid: 500, ticks: 1000, start: "2026-11-26T09:59:00.000Z")]),
        ])
        #expect(try RecordIndex.update(directory: directory.path).indexedRecords == 2)
        #expect(try RecordIndex.update(directory: directory.path).indexedRecords == 0)

        directory.append([R.audit(seq: 3, time: "2026-11-26T23:00:00.000Z", jobs: [])])
        directory.append([
            R.record(seq: 4, time: "2026-11-27T00:00:01.000Z", type: "heartbeat", body: [:]),
            R.audit(seq: 5, time: "2026-11-27T01:00:00.000Z", jobs: [Self.job("1002", pid: 600, ticks: 2000, start: "2026-11-27T00:30:00.000Z")]),
        ], day: "2026-11-27")
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.indexedRecords == 3)
        #expect(report.lastSeq == 5)
        #expect(!report.rebuilt)
        let records = try IndexReader(directory: directory.path).contents().records
        #expect(records.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(records.map(\.file) == Array(repeating: "records/2026-11-26.jsonl", count: 3) + Array(repeating: "records/2026-11-27.jsonl", count: 2))
        #expect(records.map(\.line) == [1, 2, 3, 1, 2])
        #expect(records.map(\.type) == ["audit", "audit", "audit", "heartbeat", "audit"])
    }

    @Test func rebuildEqualsIncremental() throws {
        let incremental = RecordDirectory()
        let lines = (1...6).map { seq in
            R.audit(seq: seq, time: "2026-11-26T1\(seq):00:00.000Z",
                    jobs: [Self.job("10\(seq % 3)", pid: 500 + seq % 3, ticks: 1000 + seq % 3, start: "2026-11-26T09:00:00.000Z")])
        }
        for line in lines {
            incremental.append([line])
            try RecordIndex.update(directory: incremental.path)
        }
        let rebuilt = RecordDirectory()
        rebuilt.append(lines)
        try RecordIndex.update(directory: rebuilt.path)
        let report = try RecordIndex.rebuild(directory: rebuilt.path)
        #expect(report.indexedRecords == 6)
        #expect(report.rebuilt)
        let a = try IndexReader(directory: incremental.path).contents()
        let b = try IndexReader(directory: rebuilt.path).contents()
        #expect(a == b)
        #expect(a.processSightings.count == 12)
    }

    @Test func reportsLinesThatAreNotRecordsAndGoesOn() throws {
        let directory = RecordDirectory()
        directory.append([
            R.audit(seq: 1, time: "2026-11-26T10:00:00.000Z", jobs: []),
            "{\"seq\": 2, \"type\": \"audit\", truncated",
            "",
            "{\"v\":1,\"type\":\"audit\",\"time\":\"2026-11-26T10:30:00.000Z\"}",
            R.record(seq: 3, time: "not a time", type: "heartbeat", body: [:]),
            R.audit(seq: 1, time: "2026-11-26T10:45:00.000Z", jobs: []),
            R.audit(seq: 4, time: "2026-11-26T11:00:00.000Z", jobs: [Self.job("1001", pid: 500, ticks: 1000, start: "2026-11-26T09:59:00.000Z")]),
        ])
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.indexedRecords == 2)
        #expect(report.problems.map(\.line) == [2, 3, 4, 5, 6])
        #expect(report.problems.allSatisfy { $0.file == "records/2026-11-26.jsonl" })
        #expect(report.problems[0].reason.hasPrefix("not valid JSON"))
        #expect(report.problems[1].reason.hasPrefix("empty line"))
        #expect(report.problems[2].reason == "not a record: no seq: not indexed")
        #expect(report.problems[3].reason.contains("invalid time"))
        #expect(report.problems[4].reason.contains("not above the last indexed seq 1"))
        #expect(report.problems[0].description.hasPrefix("records/2026-11-26.jsonl:2: "))
        let result = try IndexReader(directory: directory.path).run(.pandaID("1001"))
        #expect(result.jobs.first?.records.first?.line == 7)
    }

    @Test func incompleteLastLineWaitsForItsNewline() throws {
        let directory = RecordDirectory()
        let second = R.audit(seq: 2, time: "2026-11-26T11:00:00.000Z", jobs: [])
        directory.append([R.audit(seq: 1, time: "2026-11-26T10:00:00.000Z", jobs: [])])
        directory.appendRaw(String(second.prefix(40)))
        let first = try RecordIndex.update(directory: directory.path)
        #expect(first.indexedRecords == 1)
        #expect(first.problems.map(\.line) == [2])
        #expect(first.problems.first?.reason.hasPrefix("incomplete last line") == true)
        directory.appendRaw(String(second.dropFirst(40)) + "\n")
        let then = try RecordIndex.update(directory: directory.path)
        #expect(then.indexedRecords == 1)
        #expect(then.problems.isEmpty)
        #expect(then.lastSeq == 2)
    }

    @Test func ignoresPartialFilesAndOtherNames() throws {
        let directory = RecordDirectory()
        directory.append([R.audit(seq: 1, time: "2026-11-26T10:00:00.000Z", jobs: [])])
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/records/2026-11-26.jsonl.1.partial"))
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/records/notes.jsonl"))
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.indexedRecords == 1)
        #expect(report.problems.isEmpty)
    }

    @Test func missingRecordDirectoryIsAnError() throws {
        let directory = RecordDirectory()
        try FileManager.default.removeItem(atPath: directory.path + "/records")
        #expect(throws: IndexError.noRecords(path: directory.path + "/records")) {
            try RecordIndex.update(directory: directory.path)
        }
    }

    @Test func daemonProcessRecordsAreSightingsWithASpan() throws {
        let directory = RecordDirectory()
        var process = R.process(pid: 31337, startTicks: 5000, startTime: "2026-11-26T03:00:00.000Z", uid: 64950,
                                pandaID: "4267387837")
        process["first_seen"] = "2026-11-26T03:00:01.000Z"
        process["last_seen"] = "2026-11-26T03:00:01.000Z"
        process["task_id"] = "4001"
        var exit = process
        exit["last_seen"] = "2026-11-26T04:00:00.000Z"
        directory.append([
            R.record(seq: 1, time: "2026-11-26T03:00:01.000Z", type: "process", body: ["process": process]),
            R.record(seq: 2, time: "2026-11-26T04:00:00.000Z", type: "exit", body: ["process": exit]),
        ])
        try RecordIndex.update(directory: directory.path)
        let result = try IndexReader(directory: directory.path).run(.pid(31337, at: TimeExpression.rfc3339("2026-11-26T03:30:00Z")))
        #expect(result.resolution?.hasPrefix("running") == true)
        #expect(result.processes.count == 1)
        #expect(result.processes.first?.lastSeen.description == "2026-11-26T04:00:00.000Z")
        #expect(result.processes.first?.records.map(\.seq) == [1, 2])
        #expect(result.jobs.map(\.pandaID) == ["4267387837"])
        #expect(result.jobs.first?.taskID == "4001")
    }
}
