import Foundation
import Testing
@testable import ProcFS

/// The `node-quirks` tree: a Debian 12 node with kernel threads, zombies, hostile comm and argv,
/// deleted executables, missing files, hidepid, escaped mount points, cgroup v1/hybrid/v2 and an
/// Apptainer container in its own user, PID and mount namespaces.
@Suite struct SamplerQuirksTests {
    static func snapshot() throws -> Snapshot { try FixtureTree.sample("node-quirks") }

    @Test func everyProcessKeptNothingMalformed() throws {
        let snapshot = try Self.snapshot()
        // `self` and `thread-self` are not PIDs.
        #expect(snapshot.processes.map(\.pid) == [1, 2, 4301, 4302, 4304, 4305, 4400, 4401, 4405])
        #expect(snapshot.counters == SampleCounters(processes: 9, vanished: 0, unreadable: 0, malformed: 0))
        #expect(snapshot.problems == [])
        #expect(snapshot.node.ptraceScope == 1)
        #expect(snapshot.node.unprivilegedUsernsClone == 1)
        #expect(snapshot.node.pidMax == 4_194_304)
        #expect(snapshot.node.unavailable == [:])
    }

    @Test func kernelThread() throws {
        let kthreadd = try #require(try Self.snapshot().process(2))
        #expect(kthreadd.stat.isKernelThread)
        #expect(kthreadd.stat.comm == "kthreadd")
        #expect(kthreadd.arguments == [])
        #expect(kthreadd.exe == nil && kthreadd.environment == nil)
        // (cwd "/" is left out of the fixture: see FixtureHygieneTests.)
        #expect(kthreadd.unavailable.mapValues(\.description) == ["exe": "none (kernel thread)", "env": "none (kernel thread)", "cwd": "none (kernel thread)"])
        #expect(kthreadd.status?.uids == [0, 0, 0, 0])
    }

    @Test func initWithCgroupV2() throws {
        let systemd = try #require(try Self.snapshot().process(1))
        #expect(systemd.stat.comm == "systemd" && systemd.stat.ppid == 0 && !systemd.stat.isKernelThread)
        #expect(systemd.arguments == ["/sbin/init"])
        #expect(systemd.exe == LinkTarget(path: "/usr/lib/systemd/systemd", deleted: false))
        #expect(systemd.cgroups == [CgroupEntry(hierarchy: 0, controllers: [], path: "/init.scope")])
        #expect(systemd.cgroupPath == "/init.scope")
        #expect(systemd.environment == [:])
        #expect(systemd.status?.capabilities.effective == 0x1ff_ffff_ffff)
        #expect(systemd.unavailable.mapValues(\.description) == ["cwd": "missing (ENOENT)"])
    }

    @Test func zombie() throws {
        let zombie = try #require(try Self.snapshot().process(4405))
        #expect(zombie.stat.state == "Z" && !zombie.stat.isKernelThread)
        #expect(zombie.arguments == [])
        #expect(zombie.environment == [:])
        #expect(zombie.unavailable.mapValues(\.description) == ["exe": "none (zombie)", "cwd": "none (zombie)"])
    }

    @Test func hostileCommNonUTF8ArgvDeletedExeAndMissingFiles() throws {
        let process = try #require(try Self.snapshot().process(4301))
        #expect(process.stat.comm == "x) R 1 2 (y z")
        #expect(process.stat.state == "R" && process.stat.ppid == 1 && process.stat.startTicks == 9_812_345)
        #expect(process.arguments == ["./odd\\xffname", "caf\u{e9}", "--label=\\xfe\\\\x"])
        #expect(process.exe == LinkTarget(path: "/usr/bin/x", deleted: true))
        #expect(process.status?.groups == [24, 27, 100, 1000])
        // A missing file is a field marked unavailable, not a vanished process.
        #expect(process.environment == nil)
        #expect(process.namespaces[.time] == nil)
        #expect(process.namespaces[.mnt] == 4_026_531_832)
        #expect(process.unavailable.mapValues(\.description) == ["env": "missing (ENOENT)", "ns.time": "missing (ENOENT)"])
    }

    @Test func parenthesesInCommAndCgroupV1() throws {
        let process = try #require(try Self.snapshot().process(4302))
        #expect(process.stat.comm == "(a) b) c)")
        #expect(process.stat.pgid == 4302)
        #expect(process.arguments == ["/usr/local/bin/(a) b) c)", "--serve"])
        #expect(process.cgroups?.count == 12)
        #expect(process.cgroupPath == "/system.slice/containerd.service/kubepods-besteffort-pod1f2e.slice:cri-containerd:4b5c6d")
        #expect(process.environment == [
            "PandaID": "4267387837", "SLURM_JOB_ID": "918273", "JOB_ID": "",
            "GTAG": "http://pandaserver.cern.ch:25080/server/panda/\\xfe",
        ])
    }

    @Test func tracedProcessWithSeccompAndRedactedArgv() throws {
        let process = try #require(try Self.snapshot().process(4304))
        #expect(process.stat.state == "t")
        let status = try #require(process.status)
        #expect(status.tracerPid == 4301 && status.noNewPrivs && status.seccomp == .filter && status.seccompFilters == 3)
        #expect(process.arguments == [
            "/usr/bin/python3", "submit.py", "--token", SecretRedactor.marker, "--url",
            "https://alice:\(SecretRedactor.marker)@panda.example.org/server", "-p", "45029", "-q", "LOCAL_TEST",
        ])
        #expect(process.environment == [:])
    }

    @Test func olderKernelStatusAndSecretsInsideBashC() throws {
        let process = try #require(try Self.snapshot().process(4305))
        #expect(process.status != nil && process.status?.seccompFilters == nil)
        let argv = try #require(process.arguments)
        #expect(argv.count == 3 && argv[0] == "/bin/bash" && argv[1] == "-c")
        let r = SecretRedactor.marker
        #expect(argv[2].hasPrefix("export PANDA_AUTH_TOKEN=\(r); curl -H \"Authorization: Bearer \(r)"))
        #expect(argv[2].hasSuffix(" https://panda.example.org/x; ./run --token \(r) -q LOCAL_TEST"))
        for secret in ["tok-CCCC-3333", "tok-DDDD-4444", "tok-EEEE-5555"] {
            #expect(!argv[2].contains(secret))
        }
    }

    @Test func containerInItsOwnNamespaces() throws {
        let snapshot = try Self.snapshot()
        let host = try #require(snapshot.process(1))
        let shell = try #require(snapshot.process(4400))
        let child = try #require(snapshot.process(4401))
        #expect(shell.status?.nspid == [4400, 1])
        #expect(child.status?.nspid == [4401, 2])
        #expect(shell.status?.uids == [2001, 2001, 2001, 2001])
        #expect(shell.status?.capabilities.effective == 0x1ff_ffff_ffff)
        for kind in [NamespaceKind.user, .mnt, .pid, .pidForChildren, .ipc, .uts] {
            #expect(shell.namespaces[kind] != host.namespaces[kind], "\(kind)")
            #expect(shell.namespaces[kind] == child.namespaces[kind], "\(kind)")
        }
        for kind in [NamespaceKind.net, .cgroup, .time] {
            #expect(shell.namespaces[kind] == host.namespaces[kind], "\(kind)")
        }
        #expect(shell.namespaces[.user] == 4_026_532_300)
        #expect(shell.uidMap == [IDMapEntry(inside: 0, outside: 2001, count: 1)])
        #expect(shell.gidMap == [IDMapEntry(inside: 0, outside: 2001, count: 1)])
        // 4401 has no uid_map/gid_map/mountinfo of its own in the fixture: the maps are read once per
        // user namespace and mountinfo once per mount namespace, through 4400.
        #expect(child.uidMap == shell.uidMap && child.gidMap == shell.gidMap)
        #expect(child.unavailable == [:])
        // Hybrid cgroup file: the name=systemd path places it.
        #expect(shell.cgroupPath == "/system.slice/condor.service/htcondor/condor_pool_condor_slot1_1@wn042.example.org")
        #expect(shell.environment == [
            "APPTAINER_CONTAINER": "/cvmfs/unpacked.cern.ch/registry.hub.docker.com/atlas/centos7-atlasos:latest",
            "APPTAINER_NAME": "centos7-atlasos:latest", "_CONDOR_JOB_AD": "/pool/condor/dir_31337/.job.ad",
        ])
    }

    @Test func mountNamespacesWithHidepidAndEscapedMountPoints() throws {
        let tables = try Self.snapshot().mountNamespaces
        #expect(tables.map(\.inode) == [4_026_531_832, 4_026_532_301])
        #expect(tables.map(\.readThroughPID) == [1, 4400])
        #expect(tables.map(\.procHidePID) == ["invisible", "2"])
        let host = try #require(tables.first?.mounts)
        #expect(host.map(\.mountPoint) == [
            "/sys", "/proc", "/dev", "/", "/mnt/my data", "/mnt/tab\tdir", "/mnt/back\\slash", "/mnt/new\nline",
            "/mnt/caf\u{e9} \\xff", "/proc/sys/fs/binfmt_misc",
        ])
        #expect(host[6].optionalFields == ["shared:27", "master:3"])
        #expect(host[6].root == "/export")
        let container = try #require(tables.last?.mounts)
        #expect(container.first?.fsType == "squashfs")
        #expect(container.filter { $0.mountPoint == "/proc" }.count == 2)
    }

    @Test func noSecretAnywhereInTheJSON() throws {
        let data = try JSONEncoder().encode(try Self.snapshot())
        let json = String(decoding: data, as: UTF8.self)
        for secret in ["tok-AAAA-1111", "pw-BBBB-2222", "tok-CCCC-3333", "tok-DDDD-4444", "tok-EEEE-5555",
                       "env-tok-ZZZZ", "dockerhub-pw-ctr-0000", "ctr-env-s3cr3t", "ssh-XXXX"] {
            #expect(!json.contains(secret), "\(secret) leaked")
        }
        // The hostile comm survives JSON as the same string.
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let processes = try #require(object["processes"] as? [[String: Any]])
        #expect(processes.compactMap { $0["comm"] as? String }.contains("x) R 1 2 (y z"))
    }
}
