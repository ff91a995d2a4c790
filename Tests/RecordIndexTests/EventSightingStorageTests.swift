import Base
import Foundation
import GRDB
@testable import RecordIndex
import TestSupport
import Testing

/// Event sightings are stored lean (`event_group` + `event_sighting`, an `exit` sighting folded into
/// its process's row when it can be), every other sighting as one `process_sighting` row: read
/// back, and asked every kind of query, both give what storing every sighting as one row gave.
struct EventSightingStorageTests {
    /// Random sightings over few values (so that neighbours often share their facts and queries
    /// hit), NUL and empty strings and canonically equivalent ones (equal to Swift, not in bytes)
    /// among them; records of one to twelve sightings, each stored once
    /// as full rows and once as the daemon stores them (a record's `process` full, its
    /// `processes` lean).
    @Test func leanEventRowsAnswerAsFullRows() throws {
        var generator = SplitMix64(seed: 2026_12_06_05)
        func pick<T>(_ values: [T]) -> T { values.randomElement(using: &generator)! }
        let start: Int64 = 1_796_000_000_000
        let full = try DatabaseQueue(), lean = try DatabaseQueue()
        for queue in [full, lean] { try queue.write { db in try IndexSchema.create(db) } }
        var seq: Int64 = 0
        for _ in 0..<4 {
            // Several transactions: ids and groups continue after those already written.
            var records: [(IndexedRecord, ProcessSighting?, [ProcessSighting])] = []
            for _ in 0..<40 {
                seq += 1
                let time = start + seq * 100
                let record = IndexedRecord(seq: seq, file: "records/2026-12-06.jsonl", line: seq, offset: seq * 10, length: 9,
                                           type: pick(["process", "exit"]), time: time, sha256: String(repeating: "a", count: 64),
                                           hostname: "wn", bootID: "b")
                var shared = Self.sighting(seq: seq, time: time, pick: &generator)
                func next() -> ProcessSighting {
                    // Mostly what the one before shared; now and then one fact differs.
                    let other = Self.sighting(seq: seq, time: time, pick: &generator)
                    switch Int.random(in: 0..<12, using: &generator) {
                    case 0: shared = other
                    case 1: shared.pandaID = other.pandaID
                    case 2: shared.cgroup = other.cgroup
                    case 3: shared.uid = other.uid
                    case 4: shared.role = other.role
                    case 5: shared.nsPID = other.nsPID
                    case 6: shared.containerImage = other.containerImage
                    default: break
                    }
                    var row = shared
                    row.pid = Int64.random(in: 1...8, using: &generator)
                    row.startTicks = Int64.random(in: 1...3, using: &generator)
                    row.startTime = Bool.random(using: &generator) ? nil : time - Int64.random(in: 0...400, using: &generator)
                    row.firstSeen = time - Int64.random(in: 0...300, using: &generator)
                    row.lastSeen = row.firstSeen + Int64.random(in: 0...300, using: &generator)
                    row.cmdline = [nil, [], ["sleep", "1"], ["a\u{0}b", ""], ["id", "-u"]][Int.random(in: 0..<5, using: &generator)]
                    row.exe = pick([nil, "", "/usr/bin/id", "x\u{0}y"])
                    // Half the entries of an `exit` record as the event source's are (no command
                    // line of their own): those of a process held from a `process` record fold.
                    if record.type == "exit", Bool.random(using: &generator) {
                        row.cmdline = nil
                        row.exe = nil
                        row.startTime = nil
                    }
                    return row
                }
                let single = Bool.random(using: &generator) ? next() : nil
                records.append((record, single, (0..<Int.random(in: 0...12, using: &generator)).map { _ in next() }))
            }
            try full.write { db in
                let inserter = try IndexInserter(db)
                for (record, single, many) in records {
                    try inserter.insert(record)
                    for row in (single.map { [$0] } ?? []) + many { try inserter.insert(row) }
                }
                try inserter.finish()
            }
            try lean.write { db in
                let inserter = try IndexInserter(db)
                for (record, single, many) in records {
                    try inserter.insert(record)
                    if let single { try inserter.insert(single) }
                    for row in many { try inserter.insertEvent(row, exit: record.type == "exit") }
                    try inserter.endGroup()
                }
                try inserter.finish()
            }
        }
        let (fullRows, leanRows) = (try full.read(SightingRows.all), try lean.read(SightingRows.all))
        #expect(fullRows.count > 500 && fullRows == leanRows)
        // Byte for byte (Swift's == takes canonically equivalent strings as equal).
        let typed = try [full, lean].map { queue in
            try queue.read { db in try IndexInsertPathTests.typedRows(db, "process_sighting_all", order: "id") }
        }
        #expect(typed[0] == typed[1] && typed[0].count == fullRows.count)
        #expect(try lean.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM event_group") ?? 0 } > 50)
        #expect(try lean.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM event_sighting") ?? 0 } > 400)
        let folded = try lean.read { db in try Int.fetchOne(db, sql: "SELECT count(exit_id) FROM event_sighting") ?? 0 }
        #expect(folded > 20, "exit sightings folded into their process's row: \(folded)")
        #expect(try full.read(SightingRows.count) == fullRows.count && lean.read(SightingRows.count) == fullRows.count)

        var queries: [RecordQuery] = [.jobs, .pandaID("9100000001"), .pandaID("9100000002"), .pandaID("a\u{0}b"), .pandaID("caf\u{e9}"), .pandaID("cafe\u{301}"), .taskID("910000"),
                                      .taskID("910001"), .uid(64941), .uid(0), .uid(64942)]
        for pid in 1...9 {
            queries.append(.pid(Int64(pid), at: nil))
            for offset in [-500, 0, 900, 2_000, 4_500] {
                queries.append(.pid(Int64(pid), at: UTCTime(millisecondsSinceEpoch: start + Int64(offset + pid * 400))))
            }
        }
        let windows = [TimeWindow(), TimeWindow(since: UTCTime(millisecondsSinceEpoch: start + 6_000)),
                       TimeWindow(until: UTCTime(millisecondsSinceEpoch: start + 9_000)),
                       TimeWindow(since: UTCTime(millisecondsSinceEpoch: start + 3_000), until: UTCTime(millisecondsSinceEpoch: start + 3_400))]
        var answered = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for window in windows {
            for query in queries {
                let expected = try full.read { db in try QueryPlan(db: db, window: window).run(query) }
                let got = try lean.read { db in try QueryPlan(db: db, window: window).run(query) }
                #expect(got == expected, "\(query) \(window)")
                #expect(try encoder.encode(got) == encoder.encode(expected), "\(query) \(window): the same bytes")
                if !expected.processes.isEmpty || !expected.jobs.isEmpty { answered += 1 }
            }
        }
        #expect(answered > 100)
    }

    /// A sighting's shared facts drawn from few values; per-process facts are set by the caller.
    static func sighting(seq: Int64, time: Int64, pick generator: inout SplitMix64) -> ProcessSighting {
        func pick<T>(_ values: [T]) -> T { values.randomElement(using: &generator)! }
        let ns: Int64? = pick([nil, 4026531836, 4026532001])
        return ProcessSighting(
            recordSeq: seq, role: pick(["payload", "payload", "unattributed", "process", "pilot"]), bootID: pick(["b", "", "c\u{0}d"]),
            pid: 0, startTicks: 0, startTime: nil, firstSeen: time, lastSeen: time,
            uid: pick([nil, 64941, 64942, 0]), uids: pick([nil, [], [64941, 64941, 64941, 64941]]), gids: pick([nil, [100, 100, 100, 100]]),
            pandaID: pick([nil, "9100000001", "9100000002", "a\u{0}b", "caf\u{e9}", "cafe\u{301}"]), taskID: pick([nil, "910000", "910001"]),
            claimedPandaID: pick([nil, "77"]), pilotBootID: pick([nil, "b"]), pilotPID: pick([nil, 6736]), pilotStartTicks: pick([nil, 9]),
            containerRuntime: pick([nil, "apptainer"]), containerImage: pick([nil, "/cvmfs/img", ""]),
            nsCgroup: ns, nsIPC: pick([nil, 4026531839]), nsMnt: ns, nsNet: 4026531833, nsPID: ns, nsPIDForChildren: ns,
            nsTime: nil, nsUser: pick([nil, 4026531837]), nsUTS: 4026531838, cmdline: nil, exe: nil, cgroup: pick([nil, "/slot1", "a\u{0}", "/\u{e9}", "/e\u{301}"]))
    }
}
