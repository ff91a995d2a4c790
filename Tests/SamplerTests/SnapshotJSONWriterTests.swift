import Base
import Foundation
import TestSupport
import Testing
@testable import ProcFS

/// The direct JSON writer must give the document JSONEncoder gives from the Encodable
/// conformances (the key contract): byte for byte, and so also as parsed objects.
@Suite struct SnapshotJSONWriterTests {
    static let fixtures = URL(fileURLWithPath: Repository.procFixtures)

    static func encoderBytes(_ snapshot: Snapshot) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(snapshot))
    }

    static func expectSame(_ snapshot: Snapshot, _ label: String) throws {
        let expected = try encoderBytes(snapshot)
        let written = SnapshotJSONWriter.encode(snapshot)
        let parsedExpected = try JSONSerialization.jsonObject(with: Data(expected)) as? NSDictionary
        let parsedWritten = try JSONSerialization.jsonObject(with: Data(written)) as? NSDictionary
        #expect(parsedWritten != nil, "\(label): the writer's output does not parse as an object")
        #expect(parsedWritten == parsedExpected, "\(label): parsed documents differ")
        if written != expected {
            let at = (0..<min(written.count, expected.count)).first { written[$0] != expected[$0] } ?? min(written.count, expected.count)
            let context = { (bytes: [UInt8]) in String(decoding: bytes[max(0, at - 80)..<min(bytes.count, at + 80)], as: UTF8.self) }
            Issue.record("\(label): bytes differ at \(at)\nwriter:  \(context(written))\nencoder: \(context(expected))")
        }
    }

    @Test(arguments: ["pilot3-generic", "node-quirks", "malformed", "bad-mountinfo"])
    func fixtureTrees(tree: String) throws {
        let root = Self.fixtures.appendingPathComponent(tree).appendingPathComponent("proc").path
        try Self.expectSame(try ProcSampler(procRoot: root).sample(), tree)
    }

    @Test func liveSample() throws {
        try Self.expectSame(try ProcSampler().sample(), "/proc")
    }

    /// Values a payload controls: quotes, backslashes, every control character, DEL, non-ASCII,
    /// escaped invalid UTF-8; absent fields; keys whose byte order differs from case-insensitive order.
    @Test func hostileValues() throws {
        var control = ""
        for byte in 0..<0x20 { control.unicodeScalars.append(Unicode.Scalar(UInt8(byte))) }
        let nasty = "a\"b\\c/d\u{7f}é\u{2028}😀" + control + EscapedText.decode([0xff, 0x5c][...])
        let stat = ProcessStat(pid: 7, comm: nasty, state: "S", ppid: 1, pgid: -1, sid: 0, flags: 0x0020_0000, startTicks: 42)
        var full = ProcessSample(identity: ProcessIdentity(bootID: "b", pid: 7, startTicks: 42), stat: stat,
                                 startTime: UTCTime(millisecondsSinceEpoch: -1))
        full.status = ProcessStatus(uids: [0, 1, 2, 3], gids: [4, 5, 6, 7], groups: [], nspid: [7, 1],
                                    capabilities: CapabilitySets(inheritable: 0, permitted: .max, effective: 1, bounding: 0x1ff_ffff_ffff, ambient: 0),
                                    noNewPrivs: true, seccomp: .filter, seccompFilters: nil, tracerPid: 0)
        full.arguments = [nasty, "", "x"]
        full.cwd = LinkTarget(path: nasty, deleted: true)
        full.environment = ["PandaID": "1", "PANDAID": "2", "PanDA_TaskID": nasty, "_CONDOR_JOB_AD": "x"]
        full.namespaces = NamespaceSet(inodes: [.pid: 4026531836, .pidForChildren: 4026531836, .user: UInt64.max])
        full.uidMap = [IDMapEntry(inside: 0, outside: 100000, count: 65536)]
        full.gidMap = []
        full.cgroups = [CgroupEntry(hierarchy: 0, controllers: [], path: nasty), CgroupEntry(hierarchy: 1, controllers: ["name=systemd"], path: "/x")]
        full.unavailable = ["exe": .absent(.noSuchFileOrDirectory), "env": .malformed(nasty)]
        let bare = ProcessSample(identity: ProcessIdentity(bootID: "", pid: 8, startTicks: 0), stat: stat, startTime: UTCTime(millisecondsSinceEpoch: 0))
        let node = NodeFacts(hostname: nasty, bootID: nil, bootTime: 1_795_676_748, clockTicksPerSecond: 100, unavailable: ["boot_id": nasty])
        let mounts = [
            MountNamespaceSample(inode: 1, readThroughPID: 7, mounts: [
                MountEntry(mountID: 1, parentID: 0, device: "0:1", root: "/", mountPoint: "/proc", options: ["rw"], optionalFields: [],
                           fsType: "proc", source: nasty, superOptions: ["rw", "hidepid=invisible"]),
            ]),
            MountNamespaceSample(inode: 2, readThroughPID: nil, mounts: nil, unavailable: "permission denied (EACCES)"),
        ]
        let snapshot = Snapshot(
            takenAt: UTCTime(millisecondsSinceEpoch: 1_795_676_748_123), procRoot: nasty, node: node,
            counters: SampleCounters(processes: 2, vanished: 1, unreadable: 0, malformed: 3),
            processes: [full, bare], mountNamespaces: mounts,
            problems: [SampleProblem(pid: 7, file: nasty, line: 3, reason: "r"), SampleProblem(pid: nil, file: "f", reason: "r")])
        try Self.expectSame(snapshot, "hostile values")
    }

    /// The writer copies the bytes it wrote for an environment, command line, cgroup list or
    /// uid/gid map when one of the last four it wrote there is equal: processes whose values
    /// come and go in turn (equal, shared or not, new, one seen five values ago, absent) give
    /// JSONEncoder's document all the same.
    @Test func valuesSeenBeforeInTurn() throws {
        var generator = SplitMix64(seed: 24)
        let stat = ProcessStat(pid: 1, comm: "c", state: "S", ppid: 0, pgid: 1, sid: 1, flags: 0, startTicks: 1)
        let environments: [[String: String]?] = [nil, [:], ["PandaID": "1"], ["PandaID": "2"], ["PandaID": "1", "GTAG": "x\"y"],
                                                 ["PandaID": "3"], ["PandaID": "4"], ["PandaID": "5"], ["JOB_ID": "\u{1}"]]
        let commandLines: [[String]?] = [nil, [], ["a"], ["a", "b"], ["a", "c"], ["b"], ["\"q\""], ["d"], ["a", "b", ""]]
        let cgroups: [[CgroupEntry]?] = [nil, [], [CgroupEntry(hierarchy: 0, controllers: [], path: "/a")],
                                         [CgroupEntry(hierarchy: 0, controllers: [], path: "/b")],
                                         [CgroupEntry(hierarchy: 1, controllers: ["cpu"], path: "/a")], [CgroupEntry(hierarchy: 0, controllers: [], path: "/c")]]
        let maps: [[IDMapEntry]?] = [nil, [], [IDMapEntry(inside: 0, outside: 0, count: 1)], [IDMapEntry(inside: 0, outside: 1000, count: 1)],
                                     [IDMapEntry(inside: 0, outside: 0, count: 4294967295)], [IDMapEntry(inside: 1, outside: 2, count: 3)]]
        var processes: [ProcessSample] = []
        for pid in 1...400 {
            var sample = ProcessSample(identity: ProcessIdentity(bootID: "b", pid: Int32(pid), startTicks: 1), stat: stat,
                                       startTime: UTCTime(millisecondsSinceEpoch: 0))
            // Half the time the previous process's values themselves (shared storage), else
            // values drawn again (equal ones made anew, or others).
            if let previous = processes.last, Bool.random(using: &generator) {
                sample.environment = previous.environment
                sample.arguments = previous.arguments
            } else {
                sample.environment = environments.randomElement(using: &generator)!.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key, $0.value) }) }
                sample.arguments = commandLines.randomElement(using: &generator)!.map { $0.map { String($0) } }
            }
            sample.cgroups = cgroups.randomElement(using: &generator)!
            sample.uidMap = maps.randomElement(using: &generator)!
            sample.gidMap = maps.randomElement(using: &generator)!
            processes.append(sample)
        }
        let snapshot = Snapshot(
            takenAt: UTCTime(millisecondsSinceEpoch: 0), procRoot: "/proc",
            node: NodeFacts(hostname: "h", bootID: "b", bootTime: 1, clockTicksPerSecond: 100, unavailable: [:]),
            counters: SampleCounters(processes: processes.count, vanished: 0, unreadable: 0, malformed: 0),
            processes: processes, mountNamespaces: [], problems: [])
        try Self.expectSame(snapshot, "values seen before in turn")
    }
}
