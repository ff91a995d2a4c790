import Base
import Foundation
import Testing
@testable import ProcFS

/// The `pilot3-generic` tree: ../shared/reference/pilot3-observed.md with <WORKDIR> = /home/isopilot/work
/// and <PILOT3_DIR> = /home/isopilot/pilot3; payload processes also carry secret-looking variables.
@Suite struct SamplerPilot3Tests {
    static let workdir = "/home/isopilot/work"
    static let pilotHome = "\(workdir)/PanDA_Pilot3_25588_1795671853"
    static let jobDir = "\(pilotHome)/PanDA_Pilot-6402753124"
    static let pilotArgs = [
        "-q", "LOCAL_TEST", "--pilot-user", "generic", "-w", "generic", "-j", "ptest", "-a", workdir, "-z", "-t", "-u",
        "-b", "-y", "-k", "-d", "-g", "http://127.0.0.1:45029", "--url", "http://127.0.0.1", "-p", "45029",
        "--queuedata-url", "\(workdir)/queuedata.json", "--storagedata-url", "\(workdir)/ddm.json", "--use-https", "false",
        "--use-rucio-traces", "false", "--cleanup", "false",
    ]
    static let payloadPIDs: [Int32] = [25625, 25628, 25629, 25630]
    static let secrets = [
        "s3cr3t-panda-auth-7Hq2ZpX9", "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", "apptainerenv-s3cr3t-Qm4v",
        "dockerhub-pw-9f8e7d6c",
    ]

    struct Row: Sendable, CustomTestStringConvertible {
        var pid: Int32, ppid: Int32, pgid: Int32, sid: Int32, comm: String, exe: String, cwd: String, argv: [String]
        var testDescription: String { "pid \(pid)" }
    }

    /// The ps table and per-pid sections of the document.
    static let rows: [Row] = [
        Row(pid: 25584, ppid: 1, pgid: 25584, sid: 25584, comm: "bash", exe: "/usr/bin/bash", cwd: workdir,
            argv: ["/bin/bash", "\(workdir)/pilot-wrapper.sh", "/usr/bin/python3", "/home/isopilot/pilot3/pilot.py"] + pilotArgs),
        Row(pid: 25588, ppid: 25584, pgid: 25588, sid: 25584, comm: "python3", exe: "/usr/bin/python3.11", cwd: pilotHome,
            argv: ["/usr/bin/python3", "/home/isopilot/pilot3/pilot.py"] + pilotArgs),
        Row(pid: 25625, ppid: 25588, pgid: 25625, sid: 25625, comm: "runtest.sh", exe: "/usr/bin/bash", cwd: jobDir,
            argv: ["/bin/bash", "./runtest.sh", "--iso-test", "1"]),
        Row(pid: 25628, ppid: 25625, pgid: 25625, sid: 25625, comm: "bash", exe: "/usr/bin/bash", cwd: jobDir,
            argv: ["/bin/bash", "-c", "sleep 600; echo child-done"]),
        Row(pid: 25629, ppid: 25625, pgid: 25625, sid: 25625, comm: "sleep", exe: "/usr/bin/sleep", cwd: jobDir,
            argv: ["sleep", "600"]),
        Row(pid: 25630, ppid: 25628, pgid: 25625, sid: 25625, comm: "sleep", exe: "/usr/bin/sleep", cwd: jobDir,
            argv: ["sleep", "600"]),
        Row(pid: 25731, ppid: 25588, pgid: 25731, sid: 25731, comm: "bash", exe: "/usr/bin/bash", cwd: pilotHome,
            argv: ["/bin/bash", "-c", "ps axo pgid,psr | sort | grep 25625 | uniq | awk '{print $1}' | grep -x 25625 | wc -l"]),
    ]

    static func snapshot() throws -> Snapshot { try FixtureTree.sample("pilot3-generic") }

    @Test func countersAndNode() throws {
        let snapshot = try Self.snapshot()
        #expect(snapshot.counters == SampleCounters(processes: 7, vanished: 0, unreadable: 0, malformed: 0))
        #expect(snapshot.problems == [])
        #expect(snapshot.processes.map(\.pid) == Self.rows.map(\.pid))
        let node = snapshot.node
        #expect(node.hostname == "wn-isotrace-01")
        #expect(node.bootID == "8c1d2e34-5b6f-4a7e-9d01-23c4e5f6a7b8")
        #expect(node.machineID == "a3f1c2d4e5b60718293a4b5c6d7e8f90")
        #expect(node.kernelRelease == "6.18.44-fc-v669")
        #expect(node.pidMax == 32768 && node.maxUserNamespaces == 96365)
        #expect(node.bootTime == 1_795_665_000)
        // This kernel has no Yama and no Debian userns sysctl: absent, and said so.
        #expect(node.ptraceScope == nil && node.unprivilegedUsernsClone == nil)
        #expect(node.unavailable["ptrace_scope"]?.contains("kernel/yama/ptrace_scope is not present") == true)
        #expect(node.unavailable.keys.sorted() == ["ptrace_scope", "unprivileged_userns_clone"])
    }

    @Test(arguments: rows)
    func treeAsObserved(row: Row) throws {
        let process = try #require(try Self.snapshot().process(row.pid))
        #expect(process.stat.ppid == row.ppid)
        #expect(process.stat.pgid == row.pgid)
        #expect(process.stat.sid == row.sid)
        #expect(process.stat.comm == row.comm)
        #expect(process.stat.state == "S" && !process.stat.isKernelThread)
        #expect(process.arguments == row.argv)  // nothing in these argv looks like a secret
        #expect(process.exe == LinkTarget(path: row.exe, deleted: false))
        #expect(process.cwd == LinkTarget(path: row.cwd, deleted: false))
        #expect(process.unavailable == [:])
    }

    @Test(arguments: rows.map(\.pid))
    func credentialsNamespacesAndCgroupsAsObserved(pid: Int32) throws {
        let process = try #require(try Self.snapshot().process(pid))
        let status = try #require(process.status)
        #expect(status.uids == [2001, 2001, 2001, 2001])
        #expect(status.gids == [2001, 2001, 2001, 2001])
        #expect(status.groups == [])
        #expect(status.nspid == [pid])
        #expect(status.capabilities == CapabilitySets(inheritable: 0, permitted: 0, effective: 0, bounding: 0x1ff_feff_ffff, ambient: 0))
        #expect(!status.noNewPrivs && status.seccomp == .disabled && status.seccompFilters == 0 && status.tracerPid == 0)
        #expect(process.effectiveUID == 2001)
        #expect(process.namespaces.inodes == [
            .cgroup: 4_026_531_835, .ipc: 4_026_531_839, .mnt: 4_026_531_832, .net: 4_026_531_833, .pid: 4_026_531_836,
            .pidForChildren: 4_026_531_836, .time: 4_026_531_834, .user: 4_026_531_837, .uts: 4_026_531_838,
        ])
        #expect(process.cgroups?.map(\.line) == [
            "9:name=systemd:/", "8:pids:/", "7:blkio:/", "6:freezer:/", "5:devices:/",
            "4:memory:/process_api/5e0b9c1d7a3f4e2b8c6d0a1f2e3b4c5d", "3:cpuset:/", "2:cpuacct:/", "1:cpu:/", "0::/",
        ])
        #expect(process.cgroupPath == "/")
        #expect(process.uidMap == [IDMapEntry(inside: 0, outside: 0, count: 4_294_967_295)])
        #expect(process.gidMap == process.uidMap)
    }

    @Test func startTimesAndIdentity() throws {
        let snapshot = try Self.snapshot()
        let pilot = try #require(snapshot.process(25588))
        #expect(pilot.identity == ProcessIdentity(bootID: "8c1d2e34-5b6f-4a7e-9d01-23c4e5f6a7b8", pid: 25588, startTicks: 685_300))
        #expect(pilot.startTime == UTCTime(bootTime: 1_795_665_000, ticks: 685_300, ticksPerSecond: snapshot.node.clockTicksPerSecond))
        try #require(snapshot.node.clockTicksPerSecond == 100, "CLK_TCK is 100 on Linux x86 and arm64")
        // The pilot's start time is the epoch in its PILOT_HOME name; the payload came 1.7 s later.
        #expect(pilot.startTime.description == "2026-11-26T05:44:13.000Z")
        #expect(snapshot.process(25625)?.startTime.description == "2026-11-26T05:44:14.700Z")
    }

    @Test func environmentKeepsOnlyTheAllowlist() throws {
        let snapshot = try Self.snapshot()
        for process in snapshot.processes {
            let env = try #require(process.environment, "pid \(process.pid)")
            #expect(Set(env.keys).isSubset(of: EnvironmentAllowlist.names), "pid \(process.pid)")
        }
        // Wrapper and pilot: exec-time environment only, no PanDA ID (the pilot sets it later via os.environ).
        #expect(snapshot.process(25584)?.environment == [:])
        #expect(snapshot.process(25588)?.environment == [:])
        for pid in Self.payloadPIDs {
            #expect(snapshot.process(pid)?.environment == [
                "PANDAID": "6402753124", "PanDA_TaskID": "42", "PILOT_HOME": Self.pilotHome,
                "X509_USER_PROXY": "/tmp/x509up_u2001",
            ], "pid \(pid)")
        }
        // The pilot helper inherits the PanDA ID too; its cwd (PILOT_HOME, not the job dir) tells it apart.
        #expect(snapshot.process(25731)?.environment == ["PANDAID": "6402753124", "PanDA_TaskID": "42", "PILOT_HOME": Self.pilotHome])
    }

    @Test func noSecretAnywhereInTheJSON() throws {
        let json = String(decoding: try JSONEncoder().encode(try Self.snapshot()), as: UTF8.self)
        for secret in Self.secrets {
            #expect(!json.contains(secret), "\(secret) leaked")
        }
        for name in ["PANDA_AUTH_TOKEN", "AWS_SECRET_ACCESS_KEY", "APPTAINERENV_SECRET", "APPTAINER_DOCKER_PASSWORD", "LOCAL_AGIS_SCHEDCONF"] {
            #expect(!json.contains(name), "\(name) leaked")
        }
        #expect(json.contains("\"PANDAID\":\"6402753124\""))
    }

    @Test func mountinfoReadOncePerNamespace() throws {
        let snapshot = try Self.snapshot()
        let table = try #require(snapshot.mountNamespaces.first)
        #expect(snapshot.mountNamespaces.count == 1)
        #expect(table.inode == 4_026_531_832)
        #expect(table.readThroughPID == 25584)  // the first process of the namespace, by PID
        #expect(table.mounts?.count == 19)
        #expect(table.mounts?.first?.mountPoint == "/proc")
        #expect(table.mounts?.last?.fsType == "cgroup2")
        #expect(table.procHidePID == nil)
        #expect(table.unavailable == nil)
    }

    @Test func selectedPIDsAndAMissingOne() throws {
        let root = FixtureTree.procRoot("pilot3-generic")
        let snapshot = try FixtureTree.sample("pilot3-generic", pids: [25630, 999_999, 25625, 25630])
        #expect(snapshot.processes.map(\.pid) == [25625, 25630])
        #expect(snapshot.problems == [SampleProblem(pid: 999_999, file: "\(root)/999999", reason: "no such process")])
        #expect(snapshot.counters == SampleCounters(processes: 2, vanished: 0, unreadable: 0, malformed: 0))
    }
}
