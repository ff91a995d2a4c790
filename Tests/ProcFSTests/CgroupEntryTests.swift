import Testing
@testable import ProcFS

/// `/proc/<pid>/cgroup` (cgroups(7)): `hierarchy-ID:controller-list:cgroup-path`.
@Suite struct CgroupEntryTests {
    static let v1 = """
        12:pids:/system.slice/containerd.service
        11:cpu,cpuacct:/system.slice/containerd.service
        5:cpuset:/
        1:name=systemd:/system.slice/containerd.service/kubepods-besteffort-pod1f2e.slice:cri-containerd:4b5c6d

        """
    /// This development machine's file: v1 hierarchies plus the unified 0:: line.
    static let hybrid = """
        9:name=systemd:/
        8:pids:/
        4:memory:/process_api/6a45c7eb6f174c995cbdeb2851214e6a
        1:cpu:/
        0::/

        """
    static let v2 = "0::/user.slice/user-1000.slice/session-3.scope\n"

    @Test func cgroupV1() throws {
        let entries = try CgroupEntry.parseFile(bytes(Self.v1))
        #expect(entries.count == 4)
        #expect(entries[1] == CgroupEntry(hierarchy: 11, controllers: ["cpu", "cpuacct"], path: "/system.slice/containerd.service"))
        #expect(entries[3].controllers == ["name=systemd"])
        // The path keeps its own ':' characters.
        #expect(CgroupEntry.primaryPath(of: entries)
            == "/system.slice/containerd.service/kubepods-besteffort-pod1f2e.slice:cri-containerd:4b5c6d")
    }

    @Test func hybridPicksNameSystemd() throws {
        let entries = try CgroupEntry.parseFile(bytes(Self.hybrid))
        #expect(entries.count == 5)
        #expect(entries[4] == CgroupEntry(hierarchy: 0, controllers: [], path: "/"))
        #expect(entries[2].path == "/process_api/6a45c7eb6f174c995cbdeb2851214e6a")
        let withSystemdElsewhere = try CgroupEntry.parseFile(bytes("3:name=systemd:/system.slice/condor.service\n0::/other\n"))
        #expect(CgroupEntry.primaryPath(of: withSystemdElsewhere) == "/system.slice/condor.service")
    }

    @Test func v2PicksTheUnifiedPath() throws {
        let entries = try CgroupEntry.parseFile(bytes(Self.v2))
        #expect(entries == [CgroupEntry(hierarchy: 0, controllers: [], path: "/user.slice/user-1000.slice/session-3.scope")])
        #expect(CgroupEntry.primaryPath(of: entries) == "/user.slice/user-1000.slice/session-3.scope")
        let colon = try CgroupEntry.parseFile(bytes("0::/kubepods.slice/pod1:cri-containerd:abc\n"))
        #expect(CgroupEntry.primaryPath(of: colon) == "/kubepods.slice/pod1:cri-containerd:abc")
    }

    @Test(arguments: [v1, hybrid, v2])
    func lineReproducesTheFile(text: String) throws {
        let lines = try CgroupEntry.parseFile(bytes(text)).map(\.line)
        #expect(lines.map { $0 + "\n" }.joined() == text)
    }

    @Test func emptyFileHasNoPath() throws {
        let entries = try CgroupEntry.parseFile(bytes(""))
        #expect(entries == [])
        #expect(CgroupEntry.primaryPath(of: entries) == nil)
    }

    @Test(arguments: [
        ("0::/user.slice\ngarbage-without-colons\n", 2),
        ("x:cpu:/\n", 1),
        ("1:cpu\n", 1),
        ("-1:cpu:/\n", 1),
    ])
    func malformedLineNamesItsNumber(text: String, line: Int) {
        let error = #expect(throws: ParseError.self) { try CgroupEntry.parseFile(bytes(text)) }
        #expect(error?.file == "cgroup")
        #expect(error?.line == line)
    }
}
