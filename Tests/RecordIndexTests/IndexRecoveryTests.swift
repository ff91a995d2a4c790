import Foundation
import GRDB
import Testing
@testable import RecordIndex

/// A missing or corrupt index is rebuilt from the segments, never trusted over them.
@Suite struct IndexRecoveryTests {
    typealias R = SyntheticRecords

    static func segmentLines() -> [String] {
        (1...3).map { seq in
            R.audit(seq: seq, time: "2026-11-26T1\(seq):00:00.000Z", jobs: [
                R.job(pandaID: "1001", taskID: "77",
                      pilot: R.process(pid: 100, startTicks: 10, startTime: "2026-11-26T09:00:00.000Z", uid: 64901),
                      processes: [R.process(pid: 500, startTicks: 1000, startTime: "2026-11-26T09:30:00.000Z", uid: 64902, pandaID: "1001")]),
            ])
        }
    }

    func movedAside(_ directory: RecordDirectory) -> [String] {
        directory.files().filter { $0.hasPrefix("index.sqlite.corrupt-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
    }

    @Test func garbageFileIsMovedAsideAndRebuilt() throws {
        let directory = RecordDirectory()
        directory.append(Self.segmentLines())
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: directory.indexPath))
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.notices.count == 1)
        #expect(report.notices.first?.contains("moved aside to \(directory.indexPath).corrupt-") == true)
        #expect(report.notices.first?.contains("rebuilt from the segments") == true)
        #expect(report.indexedRecords == 3)
        #expect(movedAside(directory).count == 1)
        #expect(try IndexReader(directory: directory.path).run(.pandaID("1001")).jobs.count == 1)
    }

    @Test func emptyFileIsJustBuilt() throws {
        let directory = RecordDirectory()
        directory.append(Self.segmentLines())
        _ = FileManager.default.createFile(atPath: directory.indexPath, contents: Data())
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.notices.isEmpty)
        #expect(report.indexedRecords == 3)
    }

    @Test func wrongSchemaVersionIsMovedAside() throws {
        let directory = RecordDirectory()
        directory.append(Self.segmentLines())
        try RecordIndex.update(directory: directory.path)
        do {
            let reader = try IndexReader(directory: directory.path)
            try reader.queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 99") }
        }
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.notices.first?.contains("schema version 99, expected \(IndexSchema.version)") == true, "\(report) \(directory.files())")
        #expect(report.indexedRecords == 3)
        #expect(movedAside(directory).count == 1)
    }

    @Test func lastLineEditedAfterIndexingIsNoticed() throws {
        let directory = RecordDirectory()
        directory.append(Self.segmentLines())
        try RecordIndex.update(directory: directory.path)
        var lines = directory.lines()
        lines[2] = lines[2].replacingOccurrences(of: "\"uid\":64902", with: "\"uid\":64903")
        directory.rewrite(lines)
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.notices.first?.contains("last indexed record (seq 3, records/2026-11-26.jsonl:3) does not match the segment") == true)
        #expect(report.indexedRecords == 3)
        let uids = try IndexReader(directory: directory.path).run(.uid(64903)).processes.flatMap { $0.records.map(\.seq) }
        #expect(uids == [3])
    }

    @Test func truncatedSegmentIsNoticed() throws {
        let directory = RecordDirectory()
        directory.append(Self.segmentLines())
        try RecordIndex.update(directory: directory.path)
        directory.rewrite(Array(directory.lines().prefix(2)))
        let report = try RecordIndex.update(directory: directory.path)
        #expect(report.notices.count == 1)
        #expect(report.indexedRecords == 2)
        #expect(try IndexReader(directory: directory.path).statistics().lastSeq == 2)
    }

    @Test func citedLineEditedInTheMiddleIsCaughtOnVerify() throws {
        let directory = RecordDirectory()
        directory.append(Self.segmentLines())
        try RecordIndex.update(directory: directory.path)
        var lines = directory.lines()
        lines[0] = lines[0].replacingOccurrences(of: "\"uid\":64902", with: "\"uid\":00000")
        directory.rewrite(lines)
        let reader = try IndexReader(directory: directory.path)
        let result = try reader.run(.pandaID("1001"))
        let problems = result.records.compactMap(reader.citationProblem)
        #expect(problems == ["records/2026-11-26.jsonl:1 (seq 1) is not the line that was indexed"])
    }

    @Test func rebuildReplacesEverything() throws {
        let directory = RecordDirectory()
        directory.append(Self.segmentLines())
        try RecordIndex.update(directory: directory.path)
        directory.rewrite(Array(Self.segmentLines().prefix(1)))
        let report = try RecordIndex.rebuild(directory: directory.path)
        #expect(report.indexedRecords == 1)
        #expect(report.notices.isEmpty)
        #expect(try IndexReader(directory: directory.path).statistics().records == 1)
    }
}
