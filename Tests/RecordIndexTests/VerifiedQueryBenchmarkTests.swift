import Base
import Foundation
import Records
import Testing
@testable import RecordIndex

/// What verifying by default costs: a busy node's daemon records (500 jobs of 10
/// processes, each with its process and exit record and 14 first verdicts; a heartbeat a minute),
/// really signed; then `query`'s verified answers by PanDA ID, PID at a time and window. Opt-in
/// (ISOTRACE_BENCH=1): prints timings, asserts nothing about them.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ISOTRACE_BENCH"] == "1", "set ISOTRACE_BENCH=1 to run"))
struct VerifiedQueryBenchmarkTests {
    typealias R = SyntheticRecords
    static let jobs = 500
    static let start: Int64 = 1_795_651_200_000  // 2026-11-26T00:00:00Z

    static func iso(_ milliseconds: Int64) -> String { UTCTime(millisecondsSinceEpoch: milliseconds).description }

    @Test func verifiedQueriesOverADayOfDaemonRecords() throws {
        let records = try SignedRecords()
        let began = Date()
        var count = 0
        for job in 0..<Self.jobs {
            let t = Self.start + Int64(job) * 40_000
            let pandaID = String(6_400_000_000 + job)
            var batch: [(RecordType, [String: Any])] = []
            for process in 0..<10 {
                var body = R.process(pid: 10_000 + job * 10 + process, startTicks: 100_000 + job * 10 + process,
                                     startTime: Self.iso(t), uid: 64902, pandaID: pandaID)
                body["role"] = "payload"
                body["task_id"] = "77"
                body["pilot"] = ["boot_id": R.bootID, "pid": 100, "start_ticks": 10]
                body["first_seen"] = Self.iso(t)
                body["last_seen"] = Self.iso(t)
                batch.append((.process, ["process": body]))
                body["last_seen"] = Self.iso(t + 30_000)
                batch.append((.exit, ["process": body]))
            }
            for rule in ["ISO-UID", "ISO-PIDNS", "ISO-MNTNS", "ISO-IPCNS", "ISO-PROC", "ISO-SIGNAL", "ISO-PTRACE", "ISO-CRED",
                         "ISO-TMP", "ISO-XPAYLOAD", "PRIV-NNP", "PRIV-CAPS", "TRACE-ATTR", "TRACE-CGROUP"] {
                batch.append((.finding, ["finding": R.finding(rule: rule, status: "pass", pid: 10_000 + job * 10, message: rule),
                                         "panda_id": pandaID, "pilot": ["boot_id": R.bootID, "pid": 100, "start_ticks": 10],
                                         "previous_status": NSNull()]))
            }
            batch.append((.heartbeat, ["heartbeat": ["cycles": job]]))
            try records.append(batch: batch, at: UTCTime(millisecondsSinceEpoch: t + 30_000))
            count += batch.count
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: records.directory.segmentPath("2026-11-26"))[.size] as? Int) ?? 0
        print("benchmark: \(count) signed records (\(size / 1_048_576) MB) written in \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
        try RecordIndex.update(directory: records.path)
        let query = try records.verifiedQuery()
        let cases: [(String, RecordQuery, TimeWindow)] = [
            ("--panda-id", .pandaID("6400000250"), TimeWindow()),
            ("--pid --at", .pid(12_505, at: UTCTime(millisecondsSinceEpoch: Self.start + 250 * 40_000 + 10_000)), TimeWindow()),
            ("--since/--until (1 h)", .jobs, TimeWindow(since: UTCTime(millisecondsSinceEpoch: Self.start + 3_600_000),
                                                         until: UTCTime(millisecondsSinceEpoch: Self.start + 7_200_000))),
        ]
        for (name, subject, window) in cases {
            var times: [Double] = []
            var verified: VerifiedAnswer?
            for _ in 0..<3 {
                let t0 = Date()
                verified = try query.run(subject, window: window)
                times.append(Date().timeIntervalSince(t0))
            }
            let indexOnly = Date()
            _ = try IndexReader(directory: records.path).run(subject, window: window)
            print("benchmark: verified \(name): median \(String(format: "%.3f", times.sorted()[1])) s "
                + "(index alone \(String(format: "%.3f", Date().timeIntervalSince(indexOnly))) s), "
                + "\(verified?.result.records.count ?? 0) cited, verified \(verified?.isVerified ?? false)")
            #expect(verified?.isVerified == true)
        }
    }
}
