import Testing
@testable import ProcFS

/// The `malformed` and `bad-mountinfo` trees: garbage in one process's files is a problem naming
/// the PID, file and line; the sample goes on with the other processes.
@Suite struct SamplerMalformedTests {
    static let root = FixtureTree.procRoot("malformed")
    static func snapshot() throws -> Snapshot { try FixtureTree.sample("malformed") }

    @Test func countersAfterGarbage() throws {
        let snapshot = try Self.snapshot()
        // 101 and 102 (bad stat) are dropped, 107 (no stat) vanished; the rest are kept.
        #expect(snapshot.processes.map(\.pid) == [100, 103, 104, 105, 106, 108])
        #expect(snapshot.counters == SampleCounters(processes: 6, vanished: 1, unreadable: 0, malformed: 7))
        #expect(snapshot.problems.compactMap(\.pid) == [101, 102, 103, 104, 105, 106, 108])
        for problem in snapshot.problems {
            #expect(problem.file.hasPrefix("\(Self.root)/\(problem.pid!)/"), "\(problem)")
        }
    }

    struct Expected: Sendable, CustomTestStringConvertible {
        var pid: Int32, file: String, line: Int?, reason: String
        var testDescription: String { "pid \(pid) \(file)" }
    }

    @Test(arguments: [
        Expected(pid: 101, file: "stat", line: 1, reason: "expected at least 22 fields, found 11"),
        Expected(pid: 102, file: "stat", line: 1, reason: "no '(comm)'"),
        Expected(pid: 103, file: "status", line: 9, reason: "Uid: expected 4 values, found 3"),
        Expected(pid: 104, file: "status", line: nil, reason: "no 'Seccomp:' line"),
        Expected(pid: 105, file: "ns/ipc", line: nil, reason: "expected 'ipc:[inode]', found \"net:[4026531833]\""),
        Expected(pid: 106, file: "uid_map", line: 1, reason: "expected 'inside outside count'"),
        Expected(pid: 108, file: "cgroup", line: 2, reason: "found \"garbage-without-colons\""),
    ])
    func problemNamesPIDFileAndLine(expected: Expected) throws {
        let problems = try Self.snapshot().problems.filter { $0.pid == expected.pid }
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.file == "\(Self.root)/\(expected.pid)/\(expected.file)")
        #expect(problem.line == expected.line)
        #expect(problem.reason.contains(expected.reason), "\(problem.reason)")
        #expect(problem.description.hasPrefix(expected.line.map { "\(problem.file):\($0): " } ?? "\(problem.file): "))
    }

    @Test func goodProcessBesideTheGarbageIsComplete() throws {
        let good = try #require(try Self.snapshot().process(100))
        #expect(good.unavailable == [:])
        #expect(good.status?.uids == [1000, 1000, 1000, 1000])
        #expect(good.environment == ["SLURM_JOB_ID": "77"])
        #expect(good.arguments == ["-bash"])
        #expect(good.namespaces.inodes.count == 9)
    }

    @Test func malformedFieldIsNilAndSaysWhy() throws {
        let snapshot = try Self.snapshot()
        let badUid = try #require(snapshot.process(103))
        #expect(badUid.status == nil)
        #expect(badUid.unavailable.mapValues(\.description) == ["status": "malformed: line 9: Uid: expected 4 values, found 3"])
        #expect(badUid.arguments == ["-bash"] && badUid.environment == ["SLURM_JOB_ID": "77"])

        let truncated = try #require(snapshot.process(104))
        #expect(truncated.status == nil)
        #expect(truncated.unavailable.mapValues(\.description) == ["status": "malformed: no 'Seccomp:' line"])

        let wrongNS = try #require(snapshot.process(105))
        #expect(wrongNS.namespaces[.ipc] == nil)
        #expect(wrongNS.namespaces[.net] == 4_026_531_833)
        #expect(wrongNS.unavailable["ns.ipc"]?.description.hasPrefix("malformed: expected 'ipc:[inode]'") == true)

        let badMap = try #require(snapshot.process(106))
        #expect(badMap.uidMap == nil)
        #expect(badMap.gidMap == [IDMapEntry(inside: 0, outside: 1000, count: 1)])
        #expect(badMap.unavailable["uid_map"]?.description.hasPrefix("malformed: line 1: ") == true)

        let badCgroup = try #require(snapshot.process(108))
        #expect(badCgroup.cgroups == nil && badCgroup.cgroupPath == nil)
        #expect(badCgroup.unavailable["cgroups"]?.description.hasPrefix("malformed: line 2: ") == true)
    }

    @Test func askingForAVanishedOrGarbledPID() throws {
        let vanished = try FixtureTree.sample("malformed", pids: [107])
        #expect(vanished.processes == [])
        #expect(vanished.problems == [SampleProblem(pid: 107, file: "\(Self.root)/107", reason: "no such process")])
        let garbled = try FixtureTree.sample("malformed", pids: [101, 100])
        #expect(garbled.processes.map(\.pid) == [100])
        #expect(garbled.counters.malformed == 1)
        #expect(garbled.problems.map(\.pid) == [101])
    }

    // bad-mountinfo: 200 and 201 share a mount namespace whose mountinfo has a garbage line 3;
    // 202 and 203 share one whose mountinfo is missing through 202 but readable through 203.

    @Test func mountinfoIsReadThroughTheNextProcessWhenTheFirstCannotBeRead() throws {
        let tables = try FixtureTree.sample("bad-mountinfo").mountNamespaces
        let table = try #require(tables.first { $0.inode == 4_026_532_601 })
        #expect(table.readThroughPID == 203)
        #expect(table.mounts?.map(\.mountPoint) == ["/proc", "/"])
        #expect(table.unavailable == nil)
    }

    @Test func malformedMountinfoIsAProblemWithItsLine() throws {
        let snapshot = try FixtureTree.sample("bad-mountinfo")
        let root = FixtureTree.procRoot("bad-mountinfo")
        let table = try #require(snapshot.mountNamespaces.first { $0.inode == 4_026_532_600 })
        #expect(table.mounts == nil)
        #expect(table.unavailable?.hasPrefix("malformed: line 3: expected '... - fstype source options'") == true)
        #expect(snapshot.processes.map(\.pid) == [200, 201, 202, 203])
        #expect(snapshot.problems.first == SampleProblem(
            pid: 200, file: "\(root)/200/mountinfo", line: 3,
            reason: "expected '... - fstype source options', found \"27 26 0:44 / /scratch rw,relatime shared:30 tmpfs tmpfs rw\""))
    }

    /// "mountinfo once per mount namespace": the garbage table should be reported once, through 200.
    @Test func malformedMountinfoIsReportedOncePerNamespace() throws {
        let snapshot = try FixtureTree.sample("bad-mountinfo")
        #expect(snapshot.problems.count == 1)
        #expect(snapshot.counters.malformed == 1)
        #expect(snapshot.mountNamespaces.first { $0.inode == 4_026_532_600 }?.readThroughPID == 200)
    }
}
