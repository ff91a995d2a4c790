import Foundation
import TestSupport

/// Record lines in the format of DESIGN.md "Records", built by the tests. Signatures are dummy
/// strings: the index must not verify them.
enum SyntheticRecords {
    static let bootID = "5f3e7818-07e2-431b-892c-3a6b909258ff"

    static func process(pid: Int, startTicks: Int, startTime: String, uid: Int, pidNS: Int = 4026531836,
                        mntNS: Int = 4026531832, pandaID: String? = nil, container: [String: Any]? = nil,
                        bootID: String = bootID) -> [String: Any] {
        [
            "pid": pid, "ppid": 1, "start_ticks": startTicks, "start_time": startTime, "boot_id": bootID,
            "uid": uid, "uids": [uid, uid, uid, uid], "gids": [uid, uid, uid, uid], "groups": [Int](),
            "cmdline": ["/bin/sleep", "\(pid)"], "cwd": "/", "exe": "/usr/bin/sleep",
            "ns": ["cgroup": 4026531835, "ipc": 4026531839, "mnt": mntNS, "net": 4026531833, "pid": pidNS,
                   "pid_for_children": pidNS, "time": 4026531834, "user": 4026531837, "uts": 4026531838],
            "nspid": [pid], "cgroup": "/", "cgroups": ["0::/"], "caps": NSNull(), "no_new_privs": true,
            "seccomp": "disabled", "tracer_pid": 0, "env": [String: String](),
            "panda_id": pandaID.map { $0 as Any } ?? NSNull(), "container": container.map { $0 as Any } ?? NSNull(),
        ]
    }

    static func finding(rule: String, status: String, pid: Int?, message: String) -> [String: Any] {
        ["rule": rule, "status": status, "severity": "high", "pid": pid.map { $0 as Any } ?? NSNull(),
         "message": message, "evidence": ["pilot_uid": 0]]
    }

    static func job(pandaID: String, taskID: String, pilot: [String: Any], processes: [[String: Any]],
                    isolated: Bool = true, findings: [[String: Any]] = []) -> [String: Any] {
        [
            "panda_id": pandaID, "task_id": taskID, "attempt_nr": "1", "isolated": isolated,
            "failing_rules": isolated ? [String]() : ["ISO-UID"], "pilot": pilot, "pilot_wrapper": NSNull(),
            "processes": processes, "container": NSNull(), "job_directory": "/scratch/PanDA_Pilot-\(pandaID)",
            "batch_job_id": ["variable": "HTCondor_Job_ID", "value": "ce.example.org#1.0"], "attribution": [Any](),
            "spoofs": [Any](), "findings": findings,
        ]
    }

    static func audit(seq: Int, time: String, jobs: [[String: Any]], unattributed: [[String: Any]] = []) -> String {
        record(seq: seq, time: time, type: "audit", body: ["audit": [
            "summary": ["jobs": jobs.count], "node": ["hostname": "wn01", "boot_id": bootID],
            "policy": ["id": "wlcg-mupj", "version": "1.0.0", "sha256": String(repeating: "a", count: 64), "title": "t"],
            "jobs": jobs, "unattributed": unattributed, "node_findings": [Any](), "taken_at": time,
        ]])
    }

    /// The real `isotrace audit --format json` of `isotrace simulate all` (Fixtures/).
    static func fixtureAudit(seq: Int, time: String) -> String {
        let url = URL(fileURLWithPath: Repository.path("Tests/RecordIndexTests/Fixtures/audit-simulate.json"))
        let audit = try! JSONSerialization.jsonObject(with: Data(contentsOf: url))
        return record(seq: seq, time: time, type: "audit", body: ["audit": audit])
    }

    static func record(seq: Int, time: String, type: String, body: [String: Any]) -> String {
        var object: [String: Any] = [
            "v": 1, "type": type, "seq": seq, "time": time,
            "node": ["hostname": "wn01", "boot_id": bootID, "machine_id": "0123456789abcdef"],
            "prev": String(repeating: "0", count: 64), "key_id": "0011223344556677", "sig": "dummy-signature",
        ]
        object.merge(body) { _, new in new }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
