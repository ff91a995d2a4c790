import Base
import Foundation
import GRDB
import Records
import TestSupport
import Testing
@testable import RecordIndex

/// `isotrace query` as a responder runs it, on real signed records: the answer first, exit 1 on
/// no match or a PID not alive, and a forged record or a tampered index marked in text, JSON and
/// HTML with a non-zero exit.
@Suite struct QueryCommandTests {
    typealias V = VerifiedQueryTests
    static let day = V.day
    static let segment = "records/\(V.day).jsonl"

    func query(_ records: SignedRecords, _ arguments: String...) throws -> CommandResult {
        try IsotraceBinary.run(["query"] + arguments + ["--out", records.path, "--public-key", records.publicKeyPath])
    }

    @Test("table: the job line first, one row per process, two pilot blocks, verified, exit 0")
    func answerFirst() throws {
        let records = try V.twoPilotRuns()
        let result = try query(records, "--panda-id", "6402753124")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let first = try #require(lines.first)
        #expect(first.hasPrefix("JOB 6402753124  task 77  payload uid 64902"), "\(first)")
        #expect(first.contains("pilots PID 100 uid 64901") && first.contains("200 uid 64901"), "\(first)")
        #expect(first.contains("owner not recorded"))
        #expect(first.hasSuffix("ISOLATED"), "the retry's verdict is the current one: \(first)")
        #expect(lines.filter { $0.hasPrefix("  PILOT PID ") }.count == 2, "\(result.stdout)")
        #expect(lines.filter { $0.contains(" 4242 ") && $0.contains("payload") }.count == 1, "one row for PID 4242")
        #expect(result.stdout.contains("alive at last sight 2026-11-26T10:30:00.000Z"))
        #expect(lines.last?.hasPrefix("verified: all 4 cited record(s) verified, chain intact") == true, "\(lines.last ?? "")")
    }

    @Test("nothing matched, a PID after its exit record: said first, exit 1")
    func noMatchAndNotAlive() throws {
        let records = try SignedRecords()
        try records.daemon(.process, V.payload, role: "payload", pilot: V.pilotA, firstSeen: "2026-11-26T10:00:05.000Z",
                           lastSeen: "2026-11-26T10:00:05.000Z", at: "2026-11-26T10:00:05.000Z")
        try records.daemon(.exit, V.payload, role: "payload", pilot: V.pilotA, firstSeen: "2026-11-26T10:00:05.000Z",
                           lastSeen: "2026-11-26T10:05:00.000Z", at: "2026-11-26T10:05:10.000Z")
        let none = try query(records, "--panda-id", "1")
        #expect(none.status == 1, "\(none)")
        #expect(none.stdout.hasPrefix("no record of PanDA job 1 in \(records.path)/records"), "\(none.stdout)")
        let after = try query(records, "--pid", "4242", "--at", "2026-11-26T10:21:00Z")
        #expect(after.status == 1, "\(after)")
        #expect(after.stdout.hasPrefix("PID 4242 was not alive at 2026-11-26T10:21:00.000Z"), "\(after.stdout)")
        let json = try query(records, "--pid", "4242", "--at", "2026-11-26T10:21:00Z", "--format", "json")
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["outcome"] as? String == "not_alive")
        let during = try query(records, "--pid", "4242", "--at", "2026-11-26T10:03:00Z")
        #expect(during.status == 0, "\(during)")
        #expect(during.stdout.hasPrefix("PID 4242 at 2026-11-26T10:03:00.000Z: payload uid 64902  ->  JOB 6402753124"), "\(during.stdout)")
        #expect(during.stdout.contains("ended after 2026-11-26T10:05:00.000Z (exit recorded 2026-11-26T10:05:10.000Z)"))
    }

    @Test("--since/--until alone: one line per job of the window")
    func jobsInWindow() throws {
        let records = try V.twoPilotRuns()
        let result = try query(records, "--since", "2026-11-26T00:00:00Z", "--until", "2026-11-26T23:59:59Z")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2, "one job line and the verification line: \(result.stdout)")
        #expect(lines.first?.hasPrefix("JOB 6402753124  task 77") == true)
        #expect(lines.first?.hasSuffix("4 process(es)") == true)
    }

    @Test("a record edited on disk and re-indexed: FORGED in text, JSON and HTML, its uid not summarised, exit 1")
    func forgedRecordIsMarkedEverywhere() throws {
        let records = try V.editedAudits(line: 1)
        let reindex = try IsotraceBinary.run(["index", "--rebuild", "--out", records.path])
        #expect(reindex.status == 0, "\(reindex)")
        let mark = "FORGED: bad signature at \(Self.segment):1"

        let table = try query(records, "--panda-id", "6402753124")
        #expect(table.status == 1, "\(table)")
        let first = table.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.contains("payload uid 64902") && !first.contains("64802"), "\(first)")
        #expect(table.stdout.split(separator: "\n").filter { $0.contains(mark) }.count >= 3,
                "marked on the job, the process rows and the verification lines: \(table.stdout)")
        #expect(table.stdout.contains("VERIFICATION FAILED: 1 of 2 cited record(s) FAILED verification"))

        let json = try query(records, "--panda-id", "6402753124", "--format", "json")
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let verification = try #require(object["verification"] as? [String: Any])
        #expect(verification["status"] as? String == "failed")
        let job = try #require((object["jobs"] as? [[String: Any]])?.first)
        #expect(job["payload_uids"] as? [Int] == [64902])
        #expect((job["forged"] as? [[String: Any]])?.first?["text"] as? String == mark)
        let records2 = try #require(object["records"] as? [[String: Any]])
        #expect(records2.map { $0["status"] as? String } == ["forged", "verified"])

        let file = records.path + "/incident.html"
        let html = try query(records, "--panda-id", "6402753124", "--format", "html", "--output", file)
        #expect(html.status == 1, "\(html)")
        let page = try String(contentsOfFile: file, encoding: .utf8)
        #expect(page.contains(mark))
        #expect(page.contains("1 of 2 cited record(s) FAILED verification"))

        let unchecked = try query(records, "--panda-id", "6402753124", "--no-verify")
        #expect(unchecked.status == 0, "\(unchecked)")
        #expect(unchecked.stdout.contains("NOT VERIFIED"))
    }

    @Test("UPDATE job_sighting SET panda_id=... in index.sqlite: INDEX TAMPERED, rebuilt, exit 1")
    func indexUpdateAttack() throws {
        let records = try V.twoPilotRuns()
        #expect(try query(records, "--panda-id", "6402753124").status == 0)
        let queue = try DatabaseQueue(path: records.directory.indexPath)
        try queue.write { db in
            try db.execute(sql: "UPDATE job_sighting SET panda_id = '7700000079'")
            try db.execute(sql: "UPDATE process_sighting SET panda_id = '7700000079' WHERE panda_id IS NOT NULL")
        }
        try queue.close()
        let result = try query(records, "--panda-id", "7700000079")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("index.sqlite disagrees with the signed records"), "\(result.stderr)")
        #expect(result.stdout.contains("INDEX TAMPERED"), "\(result.stdout)")
        #expect(!result.stdout.contains("\nverified:"), "never shown as verified")
        #expect(result.stdout.hasPrefix("no record of PanDA job 7700000079"), "the signed lines know no such job: \(result.stdout)")
        let again = try query(records, "--panda-id", "6402753124")
        #expect(again.status == 0, "rebuilt: \(again)")
    }
}
