import Base
import Foundation
import Testing
@testable import RecordIndex

/// Queries an incident responder asks: by PanDA ID, task, PID at a time (with PID reuse), uid,
/// and within a time window; and the JSON shape tools rely on.
@Suite struct QueryTests {
    typealias R = SyntheticRecords

    static func time(_ text: String) -> UTCTime { TimeExpression.rfc3339(text)! }

    static var pilot: [String: Any] { R.process(pid: 100, startTicks: 10, startTime: "2026-11-26T09:00:00.000Z", uid: 64901) }

    /// PID 4242 is reused: job 1001's payload (ticks 1000, 10:00, seen 10:05 and 10:30), then
    /// job 1002's (ticks 9000, 11:00, seen 11:05 and 11:30). Job 1003 (task 78) runs beside them.
    static func reusedPIDDirectory() -> RecordDirectory {
        let first = R.process(pid: 4242, startTicks: 1000, startTime: "2026-11-26T10:00:00.000Z", uid: 64902, pidNS: 4026532001, pandaID: "1001")
        let second = R.process(pid: 4242, startTicks: 9000, startTime: "2026-11-26T11:00:00.000Z", uid: 64903, pidNS: 4026532002, pandaID: "1002")
        let other = R.process(pid: 5000, startTicks: 800, startTime: "2026-11-26T09:50:00.000Z", uid: 64904, pandaID: "1003")
        let child = R.process(pid: 4243, startTicks: 1001, startTime: "2026-11-26T10:00:01.000Z", uid: 64902, pidNS: 4026532001, pandaID: "1001")
        func job(_ id: String, _ task: String, _ processes: [[String: Any]], isolated: Bool = true) -> [String: Any] {
            R.job(pandaID: id, taskID: task, pilot: pilot, processes: processes, isolated: isolated,
                  findings: [R.finding(rule: "ISO-UID", status: isolated ? "pass" : "fail", pid: processes.first?["pid"] as? Int, message: "m")])
        }
        let directory = RecordDirectory()
        directory.append([
            R.audit(seq: 1, time: "2026-11-26T10:05:00.000Z", jobs: [job("1001", "77", [first, child]), job("1003", "78", [other])]),
            R.audit(seq: 2, time: "2026-11-26T10:30:00.000Z", jobs: [job("1001", "77", [first, child], isolated: false), job("1003", "78", [other])]),
            R.audit(seq: 3, time: "2026-11-26T11:05:00.000Z", jobs: [job("1002", "77", [second]), job("1003", "78", [other])],
                    unattributed: [R.process(pid: 7000, startTicks: 7000, startTime: "2026-11-26T11:01:00.000Z", uid: 64902, pandaID: "1001")]),
        ])
        directory.append([
            R.audit(seq: 4, time: "2026-11-26T11:30:00.000Z", jobs: [job("1002", "77", [second])]),
        ], day: "2026-11-27")
        return directory
    }

    func run(_ query: RecordQuery, _ directory: RecordDirectory, window: TimeWindow = TimeWindow()) throws -> QueryResult {
        try RecordIndex.update(directory: directory.path)
        return try IndexReader(directory: directory.path).run(query, window: window)
    }

    @Test func pandaIDReturnsExactlyTheJobsProcesses() throws {
        let directory = RecordDirectory()
        directory.append([R.fixtureAudit(seq: 1, time: "2026-11-26T07:14:23.000Z")])
        let result = try run(.pandaID("9100000001"), directory)
        #expect(result.jobs.count == 1)
        let job = try #require(result.jobs.first)
        #expect(job.pandaID == "9100000001")
        #expect(job.taskID == "910000")
        #expect(job.isolated == true)
        #expect(job.pilot?.pid == 28393)
        #expect(job.payloadProcesses.map(\.pid) == [28395, 28398, 28401, 28402, 28403])
        #expect(job.processes.filter { $0.role == "pilot" }.map(\.pid) == [28393])
        #expect(job.payloadProcesses.allSatisfy { $0.pandaID == "9100000001" && $0.records.map(\.seq) == [1] })
        #expect(job.payloadProcesses.map(\.uid) == [0, 0, 64902, 64902, 64902])
        #expect(job.payloadProcesses.last?.namespaces["pid"] == 4026532179)
        #expect(job.payloadProcesses.first?.containerRuntime == "bubblewrap")
        #expect(job.payloadProcesses.first?.startTime?.description == "2026-11-26T07:14:20.400Z")
        #expect(job.findings.count == 14)
        #expect(job.findings.allSatisfy { $0.status == "pass" })
        #expect(job.records == [RecordReference(seq: 1, file: "records/2026-11-26.jsonl", line: 1)])
        #expect(result.records.map(\.seq) == [1])
        #expect(result.records.first?.type == "audit")
    }

    @Test func pandaIDMergesSightingsAcrossRecords() throws {
        let result = try run(.pandaID("1001"), Self.reusedPIDDirectory())
        let job = try #require(result.jobs.first)
        #expect(job.payloadProcesses.map(\.pid) == [4242, 4243])
        #expect(job.payloadProcesses.first?.firstSeen == Self.time("2026-11-26T10:05:00Z"))
        #expect(job.payloadProcesses.first?.lastSeen == Self.time("2026-11-26T10:30:00Z"))
        #expect(job.payloadProcesses.first?.records.map(\.seq) == [1, 2])
        #expect(job.isolated == false)
        #expect(job.verdicts.map(\.isolated) == [true, false])
        #expect(job.verdicts.map { $0.records.map(\.seq) } == [[1], [2]])
        #expect(job.findings.map(\.status) == ["pass", "fail"])
        // The unattributed process claiming 1001 is not one of the job's processes.
        #expect(!job.processes.contains { $0.pid == 7000 })
    }

    @Test(arguments: [
        ("2026-11-26T10:20:00Z", Int64(1000), "1001", "running"),
        ("2026-11-26T10:05:00Z", Int64(1000), "1001", "running"),
        ("2026-11-26T11:10:00Z", Int64(9000), "1002", "running"),
        ("2026-11-26T10:45:00Z", Int64(1000), "1001", "latest_start_before"),
        ("2026-11-27T08:00:00Z", Int64(9000), "1002", "latest_start_before"),
    ])
    func pidAtTimeResolvesReuse(at: String, ticks: Int64, pandaID: String, resolution: String) throws {
        let result = try run(.pid(4242, at: Self.time(at)), Self.reusedPIDDirectory())
        #expect(result.processes.map(\.startTicks) == [ticks])
        #expect(result.jobs.map(\.pandaID) == [pandaID])
        #expect(result.resolution?.hasPrefix(resolution) == true)
    }

    @Test func pidBeforeAnyStartFindsNothing() throws {
        let result = try run(.pid(4242, at: Self.time("2026-11-26T09:00:00Z")), Self.reusedPIDDirectory())
        #expect(result.isEmpty)
        #expect(result.records.isEmpty)
    }

    @Test func pidWithoutTimeListsEveryProcessThatHadIt() throws {
        let result = try run(.pid(4242, at: nil), Self.reusedPIDDirectory())
        #expect(result.processes.map(\.startTicks) == [1000, 9000])
        #expect(result.jobs.map(\.pandaID) == ["1001", "1002"])
    }

    @Test func uidFindsProcessesAndUnattributedClaims() throws {
        let result = try run(.uid(64902), Self.reusedPIDDirectory())
        #expect(result.processes.map(\.pid) == [4242, 4243, 7000])
        #expect(result.processes.last?.role == "unattributed")
        #expect(result.processes.last?.claimedPandaID == "1001")
        #expect(result.processes.last?.pandaID == nil)
        #expect(result.jobs.map(\.pandaID) == ["1001"])
    }

    @Test func taskIDListsItsJobs() throws {
        let directory = Self.reusedPIDDirectory()
        #expect(try run(.taskID("77"), directory).jobs.map(\.pandaID) == ["1001", "1002"])
        #expect(try run(.taskID("78"), directory).jobs.map(\.pandaID) == ["1003"])
        #expect(try run(.taskID("79"), directory).isEmpty)
    }

    @Test func sinceAndUntilRestrictTheFacts() throws {
        let directory = Self.reusedPIDDirectory()
        let late = try run(.pandaID("1003"), directory, window: TimeWindow(since: Self.time("2026-11-26T10:30:00Z")))
        #expect(late.jobs.first?.records.map(\.seq) == [2, 3])
        #expect(late.jobs.first?.payloadProcesses.first?.records.map(\.seq) == [2, 3])
        #expect(late.jobs.first?.findings.first?.records.map(\.seq) == [2, 3])
        let early = try run(.pandaID("1003"), directory, window: TimeWindow(until: Self.time("2026-11-26T10:10:00Z")))
        #expect(early.jobs.first?.records.map(\.seq) == [1])
        let between = try run(.taskID("77"), directory, window: TimeWindow(since: Self.time("2026-11-26T11:00:00Z"), until: Self.time("2026-11-26T11:10:00Z")))
        #expect(between.jobs.map(\.pandaID) == ["1002"])
        #expect(between.records.map(\.seq) == [3])
        let none = try run(.pandaID("1001"), directory, window: TimeWindow(since: Self.time("2026-11-26T12:00:00Z")))
        #expect(none.isEmpty)
    }

    @Test func unknownJobIsAnEmptyResult() throws {
        let result = try run(.pandaID("999"), Self.reusedPIDDirectory())
        #expect(result.isEmpty)
        #expect(result.subject == "PanDA job 999")
    }

    @Test func jsonShapeIsStable() throws {
        let result = try run(.pid(4242, at: Self.time("2026-11-26T10:20:00Z")), Self.reusedPIDDirectory())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(result)) as? [String: Any])
        #expect(Set(object.keys) == ["query", "resolution", "processes", "jobs", "records"])
        let query = try #require(object["query"] as? [String: Any])
        #expect(query["pid"] as? Int == 4242)
        #expect(query["at"] as? String == "2026-11-26T10:20:00.000Z")
        #expect(query["since"] is NSNull)
        let process = try #require((object["processes"] as? [[String: Any]])?.first)
        #expect(Set(process.keys) == [
            "role", "boot_id", "pid", "start_ticks", "start_time", "first_seen", "last_seen", "uid", "uids", "gids",
            "panda_id", "task_id", "claimed_panda_id", "pilot", "container", "ns", "cmdline", "exe", "cgroup", "records",
        ])
        #expect(process["start_time"] as? String == "2026-11-26T10:00:00.000Z")
        #expect((process["ns"] as? [String: Any])?["pid"] as? Int == 4026532001)
        #expect(Set((process["ns"] as? [String: Any])?.keys ?? [:].keys) == ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"])
        #expect((process["pilot"] as? [String: Any])?["pid"] as? Int == 100)
        let reference = try #require((process["records"] as? [[String: Any]])?.first)
        #expect(Set(reference.keys) == ["seq", "file", "line"])
        let job = try #require((object["jobs"] as? [[String: Any]])?.first)
        #expect(Set(job.keys) == [
            "panda_id", "task_id", "first_seen", "last_seen", "isolated", "pilot", "container", "job_directory",
            "batch_job_id", "verdicts", "processes", "findings", "records",
        ])
        #expect(job["batch_job_id"] as? String == "HTCondor_Job_ID=ce.example.org#1.0")
        let finding = try #require((job["findings"] as? [[String: Any]])?.first)
        #expect(Set(finding.keys) == ["rule", "status", "severity", "pid", "message", "evidence", "first_seen", "last_seen", "records"])
        #expect((finding["evidence"] as? [String: Any])?["pilot_uid"] as? Int == 0)
        let record = try #require((object["records"] as? [[String: Any]])?.first)
        #expect(Set(record.keys) == ["seq", "file", "line", "type", "time", "sha256"])
        #expect((record["sha256"] as? String)?.count == 64)
    }
}

/// The daemon's `finding` records are indexed: a job it saw start and end between two audit
/// records gets its verdict from them, and a later change overrides the last audit's verdict.
@Suite struct DaemonFindingQueryTests {
    typealias R = SyntheticRecords

    static func finding(seq: Int, time: String, pandaID: String, rule: String, status: String, previous: String?) -> String {
        R.record(seq: seq, time: time, type: "finding", body: [
            "finding": R.finding(rule: rule, status: status, pid: 4242, message: "\(rule) \(status)"),
            "panda_id": pandaID, "pilot": ["boot_id": R.bootID, "pid": 100, "start_ticks": 10],
            "previous_status": previous.map { $0 as Any } ?? NSNull(),
        ])
    }

    func run(_ lines: [String], _ pandaID: String) throws -> JobReport? {
        let directory = RecordDirectory()
        directory.append(lines)
        try RecordIndex.update(directory: directory.path)
        return try IndexReader(directory: directory.path).run(.pandaID(pandaID), window: TimeWindow()).jobs.first
    }

    @Test func findingsAloneGiveTheVerdict() throws {
        let payload = R.process(pid: 4242, startTicks: 1000, startTime: "2026-11-26T10:00:00.000Z", uid: 64901, pandaID: "2001")
        let job = try #require(try run([
            R.record(seq: 1, time: "2026-11-26T10:00:05.000Z", type: "process", body: ["process": payload]),
            Self.finding(seq: 2, time: "2026-11-26T10:00:05.000Z", pandaID: "2001", rule: "ISO-UID", status: "fail", previous: nil),
            Self.finding(seq: 3, time: "2026-11-26T10:00:05.000Z", pandaID: "2001", rule: "PRIV-NNP", status: "pass", previous: nil),
        ], "2001"))
        #expect(job.isolated == false)
        #expect(Set(job.findings.map(\.rule)) == ["ISO-UID", "PRIV-NNP"])
        #expect(job.findings.first { $0.rule == "ISO-UID" }?.records.map(\.seq) == [2])
        let fixed = try #require(try run([
            Self.finding(seq: 1, time: "2026-11-26T10:00:05.000Z", pandaID: "2001", rule: "ISO-UID", status: "fail", previous: nil),
            Self.finding(seq: 2, time: "2026-11-26T10:01:05.000Z", pandaID: "2001", rule: "ISO-UID", status: "pass", previous: "fail"),
        ], "2001"))
        #expect(fixed.isolated == true)
    }

    @Test func aLaterFindingOverridesTheLastAudit() throws {
        let pilot = R.process(pid: 100, startTicks: 10, startTime: "2026-11-26T09:00:00.000Z", uid: 64901)
        let payload = R.process(pid: 4242, startTicks: 1000, startTime: "2026-11-26T10:00:00.000Z", uid: 64902, pandaID: "2002")
        let audit = R.audit(seq: 1, time: "2026-11-26T10:05:00.000Z", jobs: [R.job(pandaID: "2002", taskID: "7", pilot: pilot, processes: [payload])])
        let before = try #require(try run([audit], "2002"))
        #expect(before.isolated == true)
        let after = try #require(try run([
            audit, Self.finding(seq: 2, time: "2026-11-26T10:06:00.000Z", pandaID: "2002", rule: "ISO-PTRACE", status: "fail", previous: "pass"),
        ], "2002"))
        #expect(after.isolated == false)
        #expect(after.verdicts.map(\.isolated) == [true])  // the audit records' verdicts, as before
    }
}
