import Foundation
import ProcFS
import TestSupport
import Testing

/// A namespace as lsns(8) names it: its type and inode.
struct NamespaceID: Hashable, CustomStringConvertible {
    var type: String
    var inode: UInt64
    var description: String { "\(type):[\(inode)]" }
}

extension Live {
    @Suite struct LsnsAgreementTests {
        /// The kinds lsns knows (pid_for_children is not a namespace of its own).
        static let lsnsKinds = NamespaceKind.allCases.filter { $0 != .pidForChildren }

        /// Namespaces that `lsns -J` finds through at least one process.
        static func lsns() throws -> Set<NamespaceID> {
            // lsns 2.38 exits 1 without a word when a process vanishes under its scan: try again.
            var result = try Command.run(["/usr/bin/lsns", "-J", "-o", "NS,TYPE,NPROCS,PID"])
            for _ in 0..<20 where result.status != 0 {
                result = try Command.run(["/usr/bin/lsns", "-J", "-o", "NS,TYPE,NPROCS,PID"])
            }
            try #require(result.status == 0, "lsns failed 21 times: \(result.description)")
            let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let entries = try #require(document?["namespaces"] as? [[String: Any]], "lsns -J: \(result.stdout.prefix(300))")
            var found = Set<NamespaceID>()
            for entry in entries {
                // Namespaces kept alive only by a bind mount or open fd have no process: not ours to see.
                guard let processes = entry["nprocs"] as? Int, processes > 0, entry["pid"] as? Int != nil else { continue }
                let type = try #require(entry["type"] as? String)
                let inode = try #require((entry["ns"] as? NSNumber)?.uint64Value)
                found.insert(NamespaceID(type: type, inode: inode))
            }
            return found
        }

        /// Both directions: what lsns saw before and after must be in the snapshot, and what the
        /// snapshot saw must have been seen by lsns at least once.
        static func compare(snapshot: Set<NamespaceID>, before: Set<NamespaceID>, after: Set<NamespaceID>,
                            mustContain keep: Set<NamespaceID>) {
            let stable = before.intersection(after)
            #expect(stable.subtracting(snapshot).sorted(by: { $0.description < $1.description }) == [],
                    "namespaces lsns listed before and after but the snapshot missed")
            #expect(snapshot.subtracting(before.union(after)).sorted(by: { $0.description < $1.description }) == [],
                    "namespaces in the snapshot that lsns never listed")
            #expect(keep.subtracting(snapshot) == [], "the namespaced child's namespaces")
            #expect(keep.subtracting(stable) == [], "lsns lists the namespaced child's namespaces")
        }

        /// A child in new pid, mount, net, uts and ipc namespaces, so the comparison is not only
        /// about the initial namespaces.
        static func startChild() throws -> (ChildProcess, Set<NamespaceID>) {
            let (unshare, child) = try ChildProcess.namespaced(["--pid", "--mount-proc", "--net", "--uts", "--ipc"])
            let inodes = try ProcFacts.namespaces(child)
            let keep = Set([NamespaceKind.pid, .mnt, .net, .uts, .ipc].map { NamespaceID(type: $0.rawValue, inode: inodes[$0]!) })
            return (unshare, keep)
        }

        @Test("ProcSampler sees exactly the namespaces lsns -J sees",
              .enabled(if: LiveRequirements.isRoot, "needs root: lsns and the sampler see other users' namespaces only as root"),
              .enabled(if: LiveRequirements.hasLsns && LiveRequirements.hasUnshare, "needs /usr/bin/lsns and /usr/bin/unshare (util-linux)"))
        func samplerAgreesWithLsns() throws {
            let (unshare, keep) = try Self.startChild()
            defer { unshare.stop() }
            let before = try Self.lsns()
            let snapshot = try ProcSampler().sample()
            let after = try Self.lsns()
            #expect(snapshot.problems == [])
            var seen = Set<NamespaceID>()
            for process in snapshot.processes {
                for kind in Self.lsnsKinds {
                    if let inode = process.namespaces[kind] { seen.insert(NamespaceID(type: kind.rawValue, inode: inode)) }
                }
            }
            Self.compare(snapshot: seen, before: before, after: after, mustContain: keep)
        }

        @Test("isotrace snapshot --format json sees exactly the namespaces lsns -J sees",
              .enabled(if: LiveRequirements.isRoot, "needs root: lsns and the sampler see other users' namespaces only as root"),
              .enabled(if: LiveRequirements.hasLsns && LiveRequirements.hasUnshare, "needs /usr/bin/lsns and /usr/bin/unshare (util-linux)"))
        func binaryAgreesWithLsns() throws {
            let (unshare, keep) = try Self.startChild()
            defer { unshare.stop() }
            let before = try Self.lsns()
            let result = try IsotraceBinary.run("snapshot", "--format", "json")
            let after = try Self.lsns()
            #expect(result.status == 0, "\(result.description)")
            let processes = try IsotraceBinary.processes(try IsotraceBinary.json(result))
            var seen = Set<NamespaceID>()
            for (pid, process) in processes {
                let ns = try #require(process["ns"] as? [String: Any], "pid \(pid) has no ns object")
                for kind in Self.lsnsKinds {
                    if let inode = (ns[kind.rawValue] as? NSNumber)?.uint64Value {
                        seen.insert(NamespaceID(type: kind.rawValue, inode: inode))
                    }
                }
            }
            Self.compare(snapshot: seen, before: before, after: after, mustContain: keep)
        }
    }
}
