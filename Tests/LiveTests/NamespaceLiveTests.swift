import Foundation
import ProcFS
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One way of unsharing: the unshare(1) flags and the namespace kinds of the child that must then
/// differ from the test process's own.
struct Unsharing: Sendable, CustomTestStringConvertible {
    var flags: [String]
    var changed: Set<NamespaceKind>
    var testDescription: String { flags.joined(separator: " ") }

    static let asRoot: [Unsharing] = [
        Unsharing(flags: ["--pid", "--mount-proc"], changed: [.pid, .pidForChildren, .mnt]),
        Unsharing(flags: ["--mount"], changed: [.mnt]),
        Unsharing(flags: ["--ipc"], changed: [.ipc]),
        Unsharing(flags: ["--uts"], changed: [.uts]),
        Unsharing(flags: ["--net"], changed: [.net]),
        Unsharing(flags: ["--cgroup"], changed: [.cgroup]),
        Unsharing(flags: ["--time"], changed: [.time]),
    ]
}

extension Live {
    @Suite struct NamespaceLiveTests {
        /// Samples `child` with ProcSampler and checks all 9 inodes against readlink, and each kind
        /// against the test process's own: different exactly where a namespace was unshared.
        static func checkNamespaces(of child: Int32, changed: Set<NamespaceKind>) throws -> ProcessSample {
            let snapshot = try ProcSampler().sample(pids: [child])
            #expect(snapshot.problems == [])
            let sample = try #require(snapshot.processes.first { $0.pid == child }, "pid \(child) not sampled")
            let expected = try ProcFacts.namespaces(child)
            let own = try ProcFacts.namespaces(getpid())
            for kind in NamespaceKind.allCases {
                #expect(sample.namespaces[kind] == expected[kind], "ns/\(kind.rawValue) of \(child)")
                if changed.contains(kind) {
                    #expect(sample.namespaces[kind] != own[kind], "ns/\(kind.rawValue) should be new")
                } else {
                    #expect(sample.namespaces[kind] == own[kind], "ns/\(kind.rawValue) should be shared")
                }
            }
            #expect(sample.unavailable.keys.filter { $0.hasPrefix("ns.") } == [])
            return sample
        }

        @Test("child in new namespaces shows readlink's inodes", .enabled(if: LiveRequirements.isRoot, "needs root: unshare of pid/mnt/ipc/uts/net/cgroup/time namespaces"),
              .enabled(if: LiveRequirements.hasUnshare, "needs /usr/bin/unshare (util-linux)"),
              arguments: Unsharing.asRoot)
        func namespacedChild(_ unsharing: Unsharing) throws {
            let (unshare, child) = try ChildProcess.namespaced(unsharing.flags)
            defer { unshare.stop() }
            let sample = try Self.checkNamespaces(of: child, changed: unsharing.changed)
            #expect(sample.stat.ppid == unshare.pid)
            let status = try ProcFacts.status(child)
            let nspid = try ProcFacts.numbers(status, "NSpid").map(Int32.init)
            #expect(sample.status?.nspid == nspid)
            if unsharing.changed.contains(.pid) {
                #expect(nspid == [child, 1], "a PID-namespace child is pid 1 inside")
            } else {
                #expect(nspid == [child])
            }
        }

        @Test("child in a new user namespace shows readlink's inodes and the kernel's uid_map",
              .enabled(if: LiveRequirements.hasUnshare, "needs /usr/bin/unshare (util-linux)"))
        func userNamespaceChild() throws {
            let (unshare, child) = try ChildProcess.namespaced(["--user", "--map-root-user"])
            defer { unshare.stop() }
            let sample = try Self.checkNamespaces(of: child, changed: [.user])
            // --map-root-user maps uid/gid 0 inside to our own ids: "0 <euid> 1" seen from here.
            let uidMapText = try #require(ProcFacts.text("/proc/\(child)/uid_map"))
            let gidMapText = try #require(ProcFacts.text("/proc/\(child)/gid_map"))
            #expect(uidMapText.split(whereSeparator: \.isWhitespace) == ["0", "\(geteuid())", "1"])
            #expect(gidMapText.split(whereSeparator: \.isWhitespace) == ["0", "\(getegid())", "1"])
            #expect(sample.uidMap == [IDMapEntry(inside: 0, outside: geteuid(), count: 1)])
            #expect(sample.gidMap == [IDMapEntry(inside: 0, outside: getegid(), count: 1)])
            // Seen from the parent namespace the ids are the outside ones.
            let status = try ProcFacts.status(child)
            #expect(sample.status?.uids.map(Int64.init) == (try ProcFacts.numbers(status, "Uid")))
            #expect(sample.status?.uids == Array(repeating: geteuid(), count: 4))
            // Our own map is the initial namespace's identity map (when we are in it).
            let ownMap = try #require(ProcSampler().sample(pids: [getpid()]).processes.first?.uidMap)
            #expect(sample.uidMap != ownMap)
        }
    }
}
