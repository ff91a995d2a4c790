import Base
import Foundation
import GRDB
import Records
import Testing
@testable import RecordIndex

/// `query`'s answer from real signed records: re-derived from the signed lines, every cited
/// record checked, an edited record marked FORGED, an index whose facts disagree with the lines
/// reported as tampered and rebuilt; one row per process, pilot instances apart, findings once
/// per change, a PID not alive at T, jobs in a window.
@Suite struct VerifiedQueryTests {
    typealias R = SyntheticRecords
    static let day = "2026-11-26"

    static func time(_ text: String) -> UTCTime { TimeExpression.rfc3339(text)! }

    static var pilotA: [String: Any] { R.process(pid: 100, startTicks: 10, startTime: "2026-11-26T09:00:00.000Z", uid: 64901) }
    static var pilotB: [String: Any] { R.process(pid: 200, startTicks: 500_000, startTime: "2026-11-26T11:00:00.000Z", uid: 64901) }
    static var payload: [String: Any] { R.process(pid: 4242, startTicks: 1000, startTime: "2026-11-26T10:00:00.000Z", uid: 64902, pandaID: "6402753124") }
    static var retry: [String: Any] { R.process(pid: 5252, startTicks: 600_000, startTime: "2026-11-26T11:01:00.000Z", uid: 64902, pandaID: "6402753124") }

    static func job(pilot: [String: Any], processes: [[String: Any]], isolated: Bool = true, rule: String = "ISO-UID") -> [String: Any] {
        R.job(pandaID: "6402753124", taskID: "77", pilot: pilot, processes: processes, isolated: isolated,
              findings: [R.finding(rule: rule, status: isolated ? "pass" : "fail", pid: processes.first?["pid"] as? Int, message: "\(rule)")])
    }

    /// Two audits of job 6402753124 under pilot A, then its retry under pilot B.
    static func twoPilotRuns() throws -> SignedRecords {
        let records = try SignedRecords()
        try records.audit(at: "2026-11-26T10:05:00.000Z", jobs: [job(pilot: pilotA, processes: [payload])])
        try records.audit(at: "2026-11-26T10:30:00.000Z", jobs: [job(pilot: pilotA, processes: [payload], isolated: false)])
        try records.audit(at: "2026-11-26T11:05:00.000Z", jobs: [job(pilot: pilotB, processes: [retry])])
        try records.audit(at: "2026-11-26T11:30:00.000Z", jobs: [job(pilot: pilotB, processes: [retry])])
        return records
    }

    /// Two audits of the job's payload (uid 64902); then the payload uid of line `edited` (1-based)
    /// changed to 64802 on disk, keeping the line's length (the index is not told).
    static func editedAudits(line edited: Int) throws -> SignedRecords {
        let records = try SignedRecords()
        try records.audit(at: "2026-11-26T10:05:00.000Z", jobs: [job(pilot: pilotA, processes: [payload])])
        try records.audit(at: "2026-11-26T10:30:00.000Z", jobs: [job(pilot: pilotA, processes: [payload])])
        var lines = records.lines(day: day)
        lines[edited - 1] = lines[edited - 1].replacingOccurrences(of: "64902", with: "64802")
        records.rewrite(lines, day: day)
        return records
    }

    @Test func aCleanChainIsVerifiedAndDerivedFromTheLines() throws {
        let records = try Self.twoPilotRuns()
        let verified = try records.verifiedQuery().run(.pandaID("6402753124"))
        #expect(verified.isVerified, "\(verified.proofs) \(verified.chain) \(verified.index)")
        #expect(verified.index == .consistent)
        #expect(verified.proofs.map(\.record.seq) == [1, 2, 3, 4])
        #expect(verified.chain.problems.isEmpty && verified.chain.records == 4)
        let indexed = try IndexReader(directory: records.path).run(.pandaID("6402753124"))
        #expect(verified.result == indexed, "the answer from the lines equals the index's")
        let answer = QueryAnswer(verified, directory: records.path)
        #expect(answer.outcome == .found && answer.isClean)
        #expect(answer.verification.status == .verified)
        #expect(answer.records.allSatisfy { $0.status == .verified })
    }

    @Test("a last line still being written (no newline yet) is not a broken chain")
    func lineBeingWrittenIsNotTampering() throws {
        let records = try Self.twoPilotRuns()
        records.directory.appendRaw(#"{"v":1,"type":"heartbeat","seq":5"#, day: Self.day)
        let verified = try records.verifiedQuery().run(.pandaID("6402753124"))
        #expect(verified.isVerified, "\(verified.chain.problems)")
        // Anywhere else a line without its newline is a problem.
        records.directory.appendRaw("\n", day: Self.day)
        #expect(!(try records.verifiedQuery().run(.pandaID("6402753124")).isVerified))
    }

    @Test("two pilot runs of one PanDA ID are two pilot blocks, each with its payload and verdicts")
    func pilotInstancesStayApart() throws {
        let records = try Self.twoPilotRuns()
        let answer = QueryAnswer(try records.verifiedQuery().run(.pandaID("6402753124")), directory: records.path)
        let job = try #require(answer.jobs.first)
        #expect(job.pilots.map(\.identity.pid) == [100, 200])
        #expect(job.pilots.map(\.payloadPIDs) == [[4242], [5252]])
        #expect(job.pilots[0].verdicts.map(\.isolated) == [true, false])
        #expect(job.pilots[1].verdicts.map(\.isolated) == [true])
        #expect(job.pilots.map(\.uid) == [64901, 64901])
        #expect(job.pilots[0].lastSeen == Self.time("2026-11-26T10:30:00Z"))
        // One row per process, each process once, whatever the number of records citing it.
        #expect(job.processes.map(\.identity.pid) == [100, 200, 4242, 5252])
        #expect(job.processes.first { $0.identity.pid == 4242 }?.records.map(\.seq) == [1, 2])
        #expect(job.payloadUIDs == [64902])
        // Findings once per change: pass (seq 1), fail (seq 2), pass again under pilot B (seq 3, 4).
        let changes = job.findings.filter { $0.rule == "ISO-UID" }
        #expect(changes.map(\.status) == ["pass", "fail", "pass"])
        #expect(changes.map { $0.records.map(\.seq) } == [[1], [2], [3, 4]])
    }

    @Test("a record edited on disk and re-indexed: FORGED where it is cited, its uid never summarised")
    func editedRecordIsMarkedForged() throws {
        let records = try Self.editedAudits(line: 2)
        try RecordIndex.rebuild(directory: records.path)

        let verified = try records.verifiedQuery().run(.pandaID("6402753124"))
        #expect(!verified.isVerified)
        #expect(verified.index == .consistent, "re-indexed: the index agrees with the (edited) lines")
        let answer = QueryAnswer(verified, directory: records.path)
        #expect(answer.verification.status == .failed)
        #expect(!answer.isClean)
        #expect(answer.verification.failures.map(\.text) == ["FORGED: bad signature at records/\(Self.day).jsonl:2"])
        #expect(answer.records.map(\.status) == [.verified, .forged])
        let job = try #require(answer.jobs.first)
        #expect(job.payloadUIDs == [64902], "the forged uid 64802 is never summarised")
        let row = try #require(job.processes.first { $0.identity.pid == 4242 })
        #expect(row.uid == 64902 && row.uidsSeen == [64902])
        #expect(row.forged.map(\.text) == ["FORGED: bad signature at records/\(Self.day).jsonl:2"])
        #expect(job.forged.map(\.seq) == [2])
        let json = String(decoding: try JSONEncoder().encode(answer), as: UTF8.self)
        #expect(json.contains("FORGED: bad signature at records"))
        #expect(json.contains("\"status\":\"failed\""))
    }

    @Test("UPDATE job_sighting SET panda_id=... in index.sqlite: reported as tampered, rebuilt, never verified")
    func indexUpdateAttackIsTampering() throws {
        let records = try Self.twoPilotRuns()
        try RecordIndex.update(directory: records.path)
        func attack() throws {
            let queue = try DatabaseQueue(path: records.directory.indexPath)
            try queue.write { db in
                try db.execute(sql: "UPDATE job_sighting SET panda_id = '7700000079'")
                try db.execute(sql: "UPDATE process_sighting SET panda_id = '7700000079' WHERE panda_id IS NOT NULL")
                try db.execute(sql: "UPDATE finding SET panda_id = '7700000079' WHERE panda_id IS NOT NULL")
            }
            try queue.close()
        }
        try attack()
        #expect(try IndexReader(directory: records.path).run(.pandaID("7700000079")).jobs.count == 1, "the attack works on the index")
        let lied = try records.verifiedQuery().run(.pandaID("7700000079"))
        guard case .tampered(let reason, let rebuilt, _) = lied.index else {
            Issue.record("index not reported as tampered: \(lied.index)")
            return
        }
        #expect(reason.contains("7700000079"), "\(reason)")
        #expect(rebuilt)
        #expect(!lied.isVerified)
        #expect(lied.result.isEmpty, "the signed lines know no job 7700000079")
        let answer = QueryAnswer(lied, directory: records.path)
        #expect(answer.outcome == .notFound && !answer.isClean)
        #expect(answer.verification.indexTampered)
        #expect(try IndexReader(directory: records.path).run(.pandaID("7700000079")).isEmpty, "rebuilt from the segments")

        // The other direction: the index hides the real job; the lines that mention it show it.
        try attack()
        let hidden = try records.verifiedQuery().run(.pandaID("6402753124"))
        #expect(hidden.index != .consistent)
        #expect(hidden.result.jobs.map(\.pandaID) == ["6402753124"])
        #expect(!hidden.isVerified)
    }

    @Test("--pid P --at T after the exit record: not alive; during its life: found")
    func pidAfterExitIsNotAlive() throws {
        let records = try SignedRecords()
        try records.daemon(.process, Self.payload, role: "payload", pilot: Self.pilotA, firstSeen: "2026-11-26T10:00:05.000Z",
                           lastSeen: "2026-11-26T10:00:05.000Z", at: "2026-11-26T10:00:05.000Z")
        try records.daemon(.exit, Self.payload, role: "payload", pilot: Self.pilotA, firstSeen: "2026-11-26T10:00:05.000Z",
                           lastSeen: "2026-11-26T10:05:00.000Z", at: "2026-11-26T10:05:10.000Z")
        let query = try records.verifiedQuery()
        let during = QueryAnswer(try query.run(.pid(4242, at: Self.time("2026-11-26T10:03:00Z"))), directory: records.path)
        #expect(during.outcome == .found && during.isClean, "\(String(describing: during.message))")
        let row = try #require(during.processes.first)
        #expect(during.processes.count == 1, "the process and exit records are one row")
        #expect(row.command == ["/bin/sleep", "4242"], "the command from the process record, not the exit record's")
        #expect(row.exitRecorded == Self.time("2026-11-26T10:05:10Z"))
        #expect(row.lastSeen == Self.time("2026-11-26T10:05:00Z"))
        let after = QueryAnswer(try query.run(.pid(4242, at: Self.time("2026-11-26T10:21:00Z"))), directory: records.path)
        #expect(after.outcome == .notAlive && !after.isClean)
        #expect(after.message?.contains("was not alive at 2026-11-26T10:21:00.000Z") == true, "\(String(describing: after.message))")
        let before = QueryAnswer(try query.run(.pid(4242, at: Self.time("2026-11-26T09:00:00Z"))), directory: records.path)
        #expect(before.outcome == .notFound)
        let never = QueryAnswer(try query.run(.pandaID("999")), directory: records.path)
        #expect(never.outcome == .notFound && never.message?.hasPrefix("no record of PanDA job 999") == true)
    }

    @Test("--since/--until alone: the jobs seen in the window")
    func jobsInWindow() throws {
        let records = try Self.twoPilotRuns()
        let other = R.process(pid: 7000, startTicks: 700_000, startTime: "2026-11-26T12:00:00.000Z", uid: 64903, pandaID: "6402759999")
        try records.audit(at: "2026-11-26T12:05:00.000Z", jobs: [R.job(pandaID: "6402759999", taskID: "78", pilot: Self.pilotB, processes: [other])])
        let query = try records.verifiedQuery()
        let all = try query.run(.jobs)
        #expect(all.isVerified)
        #expect(all.result.jobs.map(\.pandaID) == ["6402753124", "6402759999"])
        let late = try query.run(.jobs, window: TimeWindow(since: Self.time("2026-11-26T11:50:00Z")))
        #expect(late.result.jobs.map(\.pandaID) == ["6402759999"])
        let early = try query.run(.jobs, window: TimeWindow(until: Self.time("2026-11-26T10:10:00Z")))
        #expect(early.result.jobs.map(\.pandaID) == ["6402753124"])
        #expect(QueryAnswer(try query.run(.jobs, window: TimeWindow(since: Self.time("2026-11-27T00:00:00Z"))), directory: records.path).outcome == .notFound)
    }
}
