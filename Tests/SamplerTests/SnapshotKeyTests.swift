import Testing
@testable import ProcFS

/// Both snapshot writers emit keys in `SnapshotKey`'s order, which must be the sorted order
/// JSONEncoder's `.sortedKeys` gives (byte order for these ASCII names).
@Suite struct SnapshotKeyTests {
    static func isSorted(_ keys: [String]) -> Bool { keys == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }

    @Test func everyKeyListIsInSortedOrder() {
        #expect(Self.isSorted(SnapshotKey.Snapshot.allCases.map(\.rawValue)))
        #expect(Self.isSorted(SnapshotKey.Node.allCases.map(\.rawValue)))
        #expect(Self.isSorted(SnapshotKey.Process.allCases.map(\.rawValue)))
        #expect(Self.isSorted(SnapshotKey.Capabilities.allCases.map(\.rawValue)))
        #expect(Self.isSorted(SnapshotKey.MountNamespace.allCases.map(\.rawValue)))
        #expect(Self.isSorted(SnapshotKey.Mount.allCases.map(\.rawValue)))
        #expect(Self.isSorted(SnapshotKey.Counters.allCases.map(\.rawValue)))
        #expect(Self.isSorted(SnapshotKey.Problem.allCases.map(\.rawValue)))
        #expect(Self.isSorted(SnapshotKey.IDMap.allCases.map(\.rawValue)))
    }

    @Test func theProcessObjectHasTheContractedKeys() {
        #expect(SnapshotKey.Process.allCases.map(\.rawValue) == [
            "boot_id", "caps", "cgroup", "cgroups", "cmdline", "comm", "cwd", "cwd_deleted", "env", "exe", "exe_deleted",
            "gid_map", "gids", "groups", "kernel_thread", "no_new_privs", "ns", "nspid", "pgid", "pid", "ppid", "seccomp",
            "seccomp_filters", "sid", "start_ticks", "start_time", "state", "tracer_pid", "uid", "uid_map", "uids", "unavailable",
        ])
    }
}
