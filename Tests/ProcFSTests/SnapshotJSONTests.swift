import Foundation
import Testing
@testable import ProcFS

/// The JSON key names of the Foundation issue (item 4) are a contract other tools build on.
@Suite struct SnapshotJSONTests {
    static let processKeys: Set<String> = [
        "pid", "ppid", "start_time", "start_ticks", "uid", "uids", "gids", "groups", "comm", "cmdline", "cwd", "exe",
        "ns", "nspid", "cgroup", "cgroups", "caps", "no_new_privs", "seccomp", "tracer_pid", "uid_map", "gid_map", "env",
    ]

    static func object(_ tree: String) throws -> [String: Any] {
        let data = try JSONEncoder().encode(try FixtureTree.sample(tree))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: ["pilot3-generic", "node-quirks", "malformed"])
    func everyProcessHasEveryContractKey(tree: String) throws {
        let object = try Self.object(tree)
        #expect(Set(object.keys).isSuperset(of: ["node", "counters", "processes"]))
        let counters = try #require(object["counters"] as? [String: Int])
        #expect(Set(counters.keys).isSuperset(of: ["processes", "vanished", "unreadable"]))
        let processes = try #require(object["processes"] as? [[String: Any]])
        #expect(processes.count == counters["processes"])
        for process in processes {
            let missing = Self.processKeys.subtracting(process.keys)
            #expect(missing.isEmpty, "pid \(process["pid"] ?? "?") lacks \(missing.sorted())")
            let ns = try #require(process["ns"] as? [String: Any])
            #expect(Set(ns.keys) == ["pid", "mnt", "ipc", "net", "uts", "user", "cgroup", "time", "pid_for_children"])
        }
    }

    @Test func valuesOfThePayloadRoot() throws {
        let processes = try #require(try Self.object("pilot3-generic")["processes"] as? [[String: Any]])
        let payload = try #require(processes.first { $0["pid"] as? Int == 25625 })
        #expect(payload["start_time"] as? String == "2026-11-26T05:44:14.700Z")
        #expect(payload["start_ticks"] as? Int == 685_470)
        #expect(payload["uid"] as? Int == 2001)
        #expect(payload["uids"] as? [Int] == [2001, 2001, 2001, 2001])
        #expect(payload["cmdline"] as? [String] == ["/bin/bash", "./runtest.sh", "--iso-test", "1"])
        #expect(payload["cgroup"] as? String == "/")
        #expect((payload["ns"] as? [String: Any])?["mnt"] as? Int == 4_026_531_832)
        let caps = try #require(payload["caps"] as? [String: String])
        #expect(caps == ["inh": "0000000000000000", "prm": "0000000000000000", "eff": "0000000000000000",
                         "bnd": "000001fffeffffff", "amb": "0000000000000000"])
        #expect(payload["env"] as? [String: String] == [
            "PANDAID": "6402753124", "PanDA_TaskID": "42",
            "PILOT_HOME": "/home/isopilot/work/PanDA_Pilot3_25588_1795671853", "X509_USER_PROXY": "/tmp/x509up_u2001",
        ])
    }

    @Test func absentValuesAreNullNotOmitted() throws {
        let processes = try #require(try Self.object("malformed")["processes"] as? [[String: Any]])
        let noStatus = try #require(processes.first { $0["pid"] as? Int == 103 })
        #expect(noStatus["uid"] is NSNull)
        #expect(noStatus["caps"] is NSNull)
        #expect((noStatus["unavailable"] as? [String: String])?["status"] != nil)
    }
}
