import Foundation
import ProcFS
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Live {
    /// `isotrace snapshot` run as a user runs it, checked against /proc.
    @Suite struct SnapshotCommandTests {
        /// The JSON contract (issue "Foundation", item 4).
        static let processKeys: Set<String> = [
            "pid", "ppid", "start_time", "start_ticks", "uid", "uids", "gids", "groups", "comm", "cmdline", "cwd",
            "exe", "ns", "nspid", "cgroup", "cgroups", "caps", "no_new_privs", "seccomp", "tracer_pid", "uid_map",
            "gid_map", "env",
        ]
        static let namespaceKeys = Set(NamespaceKind.allCases.map(\.rawValue))
        static let capabilityKeys: Set<String> = ["inh", "prm", "eff", "bnd", "amb"]

        @Test("snapshot --format json lists every process /proc lists, with the contract keys")
        func jsonListsEveryProcess() throws {
            let before = try ProcFacts.pids()
            let result = try IsotraceBinary.run("snapshot", "--format", "json")
            let after = try ProcFacts.pids()
            #expect(result.status == 0, "\(result.description)")
            #expect(result.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("isotrace: sampler ") }, "only the sampler line: \(result.stderr)")
            let document = try IsotraceBinary.json(result)
            #expect(Set(document.keys).isSuperset(of: ["node", "counters", "processes"]))
            let counters = try #require(document["counters"] as? [String: Any])
            #expect(Set(counters.keys).isSuperset(of: ["processes", "vanished", "unreadable"]))
            let node = try #require(document["node"] as? [String: Any])
            #expect(node["boot_id"] as? String == ProcFacts.text("/proc/sys/kernel/random/boot_id")?
                .trimmingCharacters(in: .newlines))

            let processes = try IsotraceBinary.processes(document)
            #expect(counters["processes"] as? Int == processes.count)
            let stable = before.intersection(after)
            #expect(stable.subtracting(processes.keys).sorted() == [], "PIDs in /proc before and after, missing from the snapshot")
            #expect(stable.count > 1)
            for (pid, process) in processes.sorted(by: { $0.key < $1.key }) {
                let missing = Self.processKeys.subtracting(process.keys)
                #expect(missing.isEmpty, "pid \(pid) lacks \(missing.sorted())")
                if let ns = process["ns"] as? [String: Any] {
                    #expect(Set(ns.keys) == Self.namespaceKeys, "pid \(pid) ns keys")
                } else {
                    Issue.record("pid \(pid): ns is not an object")
                }
                if let caps = process["caps"] as? [String: Any] {
                    #expect(Set(caps.keys) == Self.capabilityKeys, "pid \(pid) caps keys")
                } else if LiveRequirements.isRoot {
                    Issue.record("pid \(pid): caps is not an object")
                }
            }
        }

        @Test("snapshot --pid P gives exactly that process, as /proc shows it")
        func jsonForOnePID() throws {
            let child = try ChildProcess.execingSleep(["/bin/sleep", "300"])
            defer { child.stop() }
            let result = try IsotraceBinary.run("snapshot", "--format", "json", "--pid", String(child.pid))
            #expect(result.status == 0, "\(result.description)")
            let processes = try IsotraceBinary.processes(try IsotraceBinary.json(result))
            #expect(Array(processes.keys) == [Int(child.pid)])
            let process = try #require(processes[Int(child.pid)])
            let status = try ProcFacts.status(child.pid)

            #expect(process["ppid"] as? Int == Int(getpid()))
            #expect(process["comm"] as? String == "sleep")
            #expect(process["cmdline"] as? [String] == ["/bin/sleep", "300"])
            #expect((process["start_ticks"] as? NSNumber)?.uint64Value == (try ProcFacts.startTicks(child.pid)))
            #expect((process["uids"] as? [Int])?.map(Int64.init) == (try ProcFacts.numbers(status, "Uid")))
            #expect((process["gids"] as? [Int])?.map(Int64.init) == (try ProcFacts.numbers(status, "Gid")))
            #expect(process["uid"] as? Int == Int(geteuid()))
            #expect(process["cwd"] as? String == FileManager.default.currentDirectoryPath)
            #expect(process["exe"] as? String == (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child.pid)/exe")))
            #expect((process["nspid"] as? [Int]) == [Int(child.pid)])
            #expect(process["no_new_privs"] as? Bool == (status["NoNewPrivs"] == "1"))
            #expect(process["tracer_pid"] as? Int == Int(status["TracerPid"] ?? ""))
            let caps = try #require(process["caps"] as? [String: String])
            #expect(caps["eff"] == status["CapEff"])
            #expect(caps["bnd"] == status["CapBnd"])
            let ns = try #require(process["ns"] as? [String: Any])
            for (kind, inode) in try ProcFacts.namespaces(child.pid) {
                #expect((ns[kind.rawValue] as? NSNumber)?.uint64Value == inode, "ns.\(kind.rawValue)")
            }
            let cgroupLines = ProcFacts.text("/proc/\(child.pid)/cgroup")?.split(separator: "\n").map(String.init)
            #expect(process["cgroups"] as? [String] == cgroupLines)
            // start_time: RFC 3339 UTC with milliseconds
            let startTime = try #require(process["start_time"] as? String)
            #expect(startTime.count == 24 && startTime.hasSuffix("Z"), "\(startTime)")
        }

        /// On the kernel's procfs a process's files are opened without crossing a mount point
        /// (no fstat of each file): a device bind-mounted over one (root in isotrace's own mount
        /// namespace could do it) is refused, never read, as the fstat check refuses it elsewhere.
        @Test("a device bind-mounted over a process's /proc file is not read",
              .enabled(if: LiveRequirements.isRoot, "needs root: mount --bind in a private mount namespace"))
        func bindMountOverProcFileIsRefused() throws {
            let child = try ChildProcess.execingSleep(["/bin/sleep", "300"], environment: ["PANDAID": "4267387837"])
            defer { child.stop() }
            let isotrace = try IsotraceBinary.path()
            for sampler in ["procfs", "auto"] {
                let script = "mount --bind /dev/zero /proc/\(child.pid)/environ && exec \(isotrace) snapshot --format json --sampler \(sampler) --pid \(child.pid) --pid \(getpid())"
                let result = try Command.run(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script], timeout: 60)
                #expect(result.status == 0, "\(result.description)")
                let processes = try IsotraceBinary.processes(try IsotraceBinary.json(result))
                let process = try #require(processes[Int(child.pid)])
                #expect(process["env"] is NSNull, "\(sampler): environ behind a bind mount was read: \(String(describing: process["env"]))")
                let unavailable = try #require(process["unavailable"] as? [String: String])
                #expect(unavailable["env"]?.contains("EXDEV") == true, "\(sampler): \(unavailable)")
                #expect(process["cmdline"] as? [String] == ["/bin/sleep", "300"], "\(sampler): the other files are read as before")
                #expect((processes[Int(getpid())]?["env"] as? [String: String]) != nil, "\(sampler): another process's environ is read")
            }
            let direct = try IsotraceBinary.run("snapshot", "--format", "json", "--sampler", "procfs", "--pid", String(child.pid))
            let unmounted = try #require(try IsotraceBinary.processes(try IsotraceBinary.json(direct))[Int(child.pid)])
            #expect((unmounted["env"] as? [String: String])?["PANDAID"] == "4267387837", "outside that namespace environ is read")
        }

        @Test("snapshot table prints the header and the child's row")
        func tableShowsChild() throws {
            let child = try ChildProcess.execingSleep(["/bin/sleep", "300"])
            defer { child.stop() }
            for arguments in [["snapshot"], ["snapshot", "--format", "table", "--pid", String(child.pid)]] {
                let result = try IsotraceBinary.run(arguments)
                #expect(result.status == 0, "\(result.description)")
                let lines = result.stdout.split(separator: "\n")
                let header = lines.first { $0.hasPrefix("PID ") }
                #expect(header?.split(separator: " ").map(String.init) ==
                        ["PID", "PPID", "UID", "START", "PIDNS", "MNTNS", "USERNS", "NNP", "SECCOMP", "CAPEFF", "COMMAND"])
                let row = lines.first { $0.split(separator: " ").first == Substring(String(child.pid)) }
                let fields = try #require(row, "no row for \(child.pid) in \(arguments)").split(separator: " ")
                #expect(fields[1] == Substring(String(getpid())))
                #expect(fields.suffix(2) == ["/bin/sleep", "300"])
            }
        }
    }
}
