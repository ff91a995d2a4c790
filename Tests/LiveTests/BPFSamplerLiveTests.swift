import Base
import Foundation
import ProcFS
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The BPF task iterator on this machine: loaded once for the suite, or why it cannot be.
enum BPFLive {
    static let iterator: Result<TaskIterator, SamplerUnavailable> = Result { () throws(SamplerUnavailable) in
        let sampler = try Sampler.choose(.bpf, procRoot: "/proc")
        guard let iterator = sampler.iterator else { throw SamplerUnavailable(reason: "no iterator") }
        return iterator
    }

    /// The iterator, or the test is skipped with the reason (no BTF, no privileges, not built).
    static func require() throws -> TaskIterator {
        switch iterator {
        case .success(let iterator): return iterator
        case .failure(let error): try Test.cancel("BPF task iterator not usable here: \(error.reason)")
        }
    }
}

/// The processes the BPF tests sample: each kind of namespace, split credentials, NoNewPrivs, a
/// seccomp filter, a reduced bounding set, a tracer, a zombie and a deep PID namespace. Started
/// here, killed by process group in `stop()`.
final class CredentialZoo {
    var children: [ChildProcess] = []
    /// The PIDs to compare, with what each one is.
    var pids: [(pid: Int32, what: String)] = []

    /// split real/effective/saved/fs uids and gids, groups, NoNewPrivs, two seccomp filters, a bounding set without CAP_SYS_ADMIN and CAP_SYS_PTRACE.
    static let credentialScript = """
        import ctypes, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        class Filter(ctypes.Structure):
            _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
        class Program(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]
        allow = (Filter * 1)(Filter(0x06, 0, 0, 0x7fff0000))
        program = Program(1, allow)
        for cap in (21, 19):
            assert libc.prctl(24, cap, 0, 0, 0) == 0
        os.setgroups([64961, 64962, 64963])
        os.setresgid(64971, 64972, 64973)
        libc.setfsgid(64974)
        os.setresuid(64981, 64982, 64983)
        libc.setfsuid(64983)
        assert libc.prctl(38, 1, 0, 0, 0) == 0
        for _ in range(2):
            assert libc.prctl(22, 2, ctypes.byref(program), 0, 0) == 0
        time.sleep(300)
        """

    func start() throws {
        let unshared = try ChildProcess.namespaced(["--pid", "--mount", "--ipc", "--uts", "--net", "--cgroup", "--time"])
        children.append(unshared.unshare)
        pids.append((unshared.child, "new pid, mount, ipc, uts, net, cgroup and time namespaces"))

        let user = try ChildProcess.namespaced(["--user", "--map-root-user", "--pid", "--mount"])
        children.append(user.unshare)
        pids.append((user.child, "new user namespace (mapped root), pid and mount"))

        let setpriv = try ChildProcess.execingSleep([
            "/usr/bin/setpriv", "--ruid", "64951", "--euid", "64952", "--rgid", "64953", "--egid", "64954",
            "--groups", "64955,64956", "--no-new-privs", "--bounding-set", "-all,+net_bind_service,+kill", "/bin/sleep", "300"])
        children.append(setpriv)
        pids.append((setpriv.pid, "setpriv: split real/effective ids, groups, NoNewPrivs, reduced bounding set"))

        // The five capability sets told apart (the BPF program reads them at five offsets of one
        // copy of struct cred): inheritable 0x420, ambient 0x400, permitted = effective = bounding
        // 0x429 in the first; effective 0 but permitted 0x429 in the second (a non-zero euid).
        let ambient = try ChildProcess.execingSleep([
            "/usr/bin/setpriv", "--inh-caps", "-all,+net_bind_service,+kill", "--ambient-caps", "+net_bind_service",
            "--bounding-set", "-all,+net_bind_service,+kill,+chown,+fowner", "/bin/sleep", "300"])
        children.append(ambient)
        pids.append((ambient.pid, "setpriv: inheritable and ambient capabilities"))
        let effective = try ChildProcess.execingSleep([
            "/usr/bin/setpriv", "--euid", "64958", "--inh-caps", "-all,+net_bind_service,+kill",
            "--bounding-set", "-all,+net_bind_service,+kill,+chown,+fowner", "/bin/sleep", "300"])
        children.append(effective)
        pids.append((effective.pid, "setpriv: permitted capabilities, none effective"))

        let python = try ChildProcess(["/usr/bin/python3", "-S", "-c", Self.credentialScript])
        children.append(python)
        let filtered = python.waitFor { ProcFacts.text("/proc/\(python.pid)/status")?.contains("Seccomp_filters:\t2") == true ? true : nil }
        try #require(filtered == true, "the credential script did not reach its seccomp filters: \(python.stderrText)")
        pids.append((python.pid, "python: four distinct uids and gids, groups, NoNewPrivs, 2 seccomp filters, reduced bounding set"))

        if Executables.isExecutable("/usr/bin/strace") {
            let strace = try ChildProcess(["/usr/bin/strace", "-f", "-o", "/dev/null", "/bin/sleep", "300"])
            children.append(strace)
            let traced = strace.waitFor { () -> Int32? in
                ProcFacts.children(of: strace.pid).first { ProcFacts.comm($0) == "sleep" && ProcFacts.text("/proc/\($0)/status")?.contains("TracerPid:\t\(strace.pid)") == true }
            }
            pids.append((try #require(traced, "strace started no traced sleep: \(strace.stderrText)"), "traced by strace"))
        }

        // `true` exits at once and stays a zombie: its parent execs sleep, which never waits.
        let parent = try ChildProcess(["/bin/sh", "-c", "/bin/true & exec /bin/sleep 300"])
        children.append(parent)
        let zombie = parent.waitFor { () -> Int32? in
            ProcFacts.children(of: parent.pid).first { (ProcFacts.text("/proc/\($0)/stat") ?? "").contains(") Z ") }
        }
        pids.append((try #require(zombie, "no zombie child of \(parent.pid)"), "zombie (no namespaces in the record: read from /proc)"))
        pids.append((parent.pid, "parent of a zombie"))

        // Five PID namespace levels: NSpid is deeper than the record holds (read from /proc).
        let nested = try ChildProcess(["/usr/bin/unshare", "--pid", "--fork", "--kill-child"]
            + Array(repeating: ["/usr/bin/unshare", "--pid", "--fork", "--kill-child"], count: 3).flatMap { $0 } + ["/bin/sleep", "300"])
        children.append(nested)
        let deep = nested.waitFor { () -> Int32? in
            var pid = nested.pid
            for _ in 0..<4 { guard let next = ProcFacts.children(of: pid).first else { return nil }; pid = next }
            return ProcFacts.comm(pid) == "sleep" ? pid : nil
        }
        pids.append((try #require(deep, "no sleep five PID namespaces down: \(nested.stderrText)"), "five PID namespace levels"))

        pids.append((2, "kthreadd (kernel thread)"))
    }

    func stop() {
        for child in children.reversed() { child.stop() }
        children = []
    }

    deinit { stop() }
}

extension Live {
    /// The BPF sampler against /proc on real processes (issue 7, item 5): every field of the
    /// iterator's record equals what /proc shows, the BPF snapshot equals the /proc snapshot, and
    /// `isotrace snapshot` / `audit` give the same JSON with either sampler apart from its name.
    @Suite(.enabled(if: LiveRequirements.isRoot, "needs root: loading BPF and the namespaces and ids the tests create"),
           .enabled(if: LiveRequirements.hasUnshare && LiveRequirements.hasSetpriv && Executables.isExecutable("/usr/bin/python3"),
                    "needs unshare, setpriv and python3"))
    struct BPFSamplerLiveTests {
        @Test("every field of the BPF record equals /proc's stat, status and ns links")
        func recordEqualsProc() throws {
            let iterator = try BPFLive.require()
            let zoo = CredentialZoo()
            defer { zoo.stop() }
            try zoo.start()
            let records = Dictionary(try iterator.read().map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
            let ticks = sysconf(Int32(_SC_CLK_TCK))
            var compared = 0
            for (pid, what) in zoo.pids {
                let record = try #require(records[pid], "pid \(pid) (\(what)) not in the iterator's output")
                let status = try ProcFacts.status(pid)
                let stat = try #require(ProcFacts.text("/proc/\(pid)/stat"))
                let close = try #require(stat.lastIndex(of: ")"))
                let fields = stat[stat.index(after: close)...].split(separator: " ").map(String.init)
                let context = "pid \(pid) (\(what))"
                // The state letter changes whenever the process runs (a zoo process may still be
                // settling into its wait): read both again, a few times, until they agree.
                var bpfState = String(UnicodeScalar(record.state)), procState = fields[0]
                for _ in 0..<50 where bpfState != procState {
                    usleep(20_000)
                    if let again = try iterator.read().first(where: { $0.pid == pid }) { bpfState = String(UnicodeScalar(again.state)) }
                    if let text = ProcFacts.text("/proc/\(pid)/stat"), let end = text.lastIndex(of: ")") {
                        procState = text[text.index(after: end)...].split(separator: " ").first.map(String.init) ?? procState
                    }
                }
                #expect(bpfState == procState, "state, \(context)")
                #expect(String(record.ppid) == fields[1], "ppid, \(context)")
                #expect(String(record.pgid) == fields[2], "pgid, \(context)")
                #expect(String(record.sid) == fields[3], "sid, \(context)")
                #expect(record.isKernelThread == ((UInt32(fields[6]) ?? 0) & 0x0020_0000 != 0), "kernel thread flag, \(context)")
                #expect(String(record.startTicks(clockTicksPerSecond: ticks)) == fields[19], "start ticks, \(context)")
                if !record.isKernelThread {
                    #expect(String(decoding: record.comm, as: UTF8.self) == ProcFacts.comm(pid), "comm, \(context)")
                }
                #expect(try ProcFacts.numbers(status, "Uid") == record.uids.map(Int64.init), "Uid, \(context)")
                #expect(try ProcFacts.numbers(status, "Gid") == record.gids.map(Int64.init), "Gid, \(context)")
                #expect((try? ProcFacts.numbers(status, "Groups")) ?? [] == record.groups.map(Int64.init), "Groups, \(context)")
                #expect(try ProcFacts.numbers(status, "TracerPid") == [Int64(record.tracerPID)], "TracerPid, \(context)")
                #expect(try ProcFacts.numbers(status, "NoNewPrivs") == [record.noNewPrivs ? 1 : 0], "NoNewPrivs, \(context)")
                #expect(try ProcFacts.numbers(status, "Seccomp") == [Int64(record.seccompMode)], "Seccomp, \(context)")
                #expect(try ProcFacts.numbers(status, "Seccomp_filters") == [Int64(record.seccompFilters)], "Seccomp_filters, \(context)")
                let nspid = try ProcFacts.numbers(status, "NSpid")
                #expect(nspid.count == record.nspidLevel + 1, "NSpid depth, \(context)")
                #expect(Array(nspid.prefix(TaskRecord.nspidLimit)) == record.nspid.map(Int64.init), "NSpid, \(context)")
                let caps = record.capabilities
                for (key, mask) in [("CapInh", caps.inheritable), ("CapPrm", caps.permitted), ("CapEff", caps.effective),
                                    ("CapBnd", caps.bounding), ("CapAmb", caps.ambient)] {
                    #expect(status[key] == Capability.hex(mask), "\(key), \(context)")
                }
                if fields[0] == "Z" {
                    // A zombie's nsproxy is gone: /proc shows its user and pid namespaces only.
                    #expect(record.isIncomplete, "a zombie's record is incomplete, \(context)")
                    for kind in [NamespaceKind.user, .pid] {
                        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind.rawValue)")
                        #expect(link.hasSuffix("[\(record.namespaces[kind] ?? 0)]"), "ns/\(kind.rawValue) \(link), \(context)")
                    }
                } else {
                    let namespaces = try ProcFacts.namespaces(pid)
                    for kind in NamespaceKind.allCases {
                        #expect(record.namespaces[kind] == namespaces[kind], "ns/\(kind.rawValue), \(context)")
                    }
                }
                compared += 1
            }
            #expect(compared == zoo.pids.count)
            // The set-up did what it says, so the comparisons above compared something.
            let python = try #require(zoo.pids.first { $0.what.hasPrefix("python") }.flatMap { records[$0.pid] })
            #expect(python.uids == [64981, 64982, 64983, 64983] && python.gids == [64971, 64972, 64973, 64974])
            #expect(python.noNewPrivs && python.seccompMode == 2 && python.seccompFilters == 2)
            #expect(python.capabilities.bounding & (1 << 21) == 0 && python.capabilities.bounding != 0)
            let ambient = try #require(zoo.pids.first { $0.what.hasSuffix("ambient capabilities") }.flatMap { records[$0.pid] })
            #expect(ambient.capabilities.inheritable == 0x420 && ambient.capabilities.ambient == 0x400)
            #expect(ambient.capabilities.permitted == 0x429 && ambient.capabilities.effective == 0x429 && ambient.capabilities.bounding == 0x429)
            let effective = try #require(zoo.pids.first { $0.what.hasSuffix("none effective") }.flatMap { records[$0.pid] })
            #expect(effective.capabilities.permitted == 0x429 && effective.capabilities.effective == 0)
            let deep = try #require(zoo.pids.first { $0.what.hasPrefix("five") }.flatMap { records[$0.pid] })
            #expect(deep.nspidLevel == 4 && deep.isIncomplete)
        }

        @Test("the BPF snapshot equals the /proc snapshot, fresh and reusing a previous sample")
        func snapshotEqualsProc() throws {
            let iterator = try BPFLive.require()
            let zoo = CredentialZoo()
            defer { zoo.stop() }
            try zoo.start()
            let pids = zoo.pids.map(\.pid)
            let bpf = try TaskIterSampler(iterator: iterator).sample(pids: pids)
            let procfs = try ProcSampler().sample(pids: pids)
            #expect(bpf.sampler == .bpf && procfs.sampler == .procfs)
            Self.expectSame(bpf, procfs)
            // The daemon's path: known processes keep what only /proc gives, the rest comes from BPF.
            let known = Dictionary(bpf.processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
            let again = try TaskIterSampler(iterator: iterator).sample(pids: pids, reusing: known)
            Self.expectSame(again, try ProcSampler().sample(pids: pids))
        }

        /// A first sample of many new processes is read in two halves on two threads
        /// (TaskIterSampler+Halves.swift): it must equal the sample one reader makes, for every
        /// process that lived throughout both (600 sleepers of this test, and the rest of the node
        /// where it did not change), mount tables and counters of those alike.
        @Test("a sample read in two halves on two threads equals the one reader's sample")
        func halvesEqualOneReader() throws {
            let iterator = try BPFLive.require()
            let sleepers = try ChildProcess(["/bin/sh", "-c", "for i in $(seq 600); do sleep 3600 & done; wait"])
            defer { sleepers.stop() }
            #expect(sleepers.waitFor { Self.children(of: sleepers.pid).count >= 600 ? true : nil } == true)
            let ours = Set(Self.children(of: sleepers.pid) + [sleepers.pid])
            var one = TaskIterSampler(iterator: iterator)
            one.halvesFrom = .max
            let halves = TaskIterSampler(iterator: iterator)
            #expect(halves.halvesFrom <= 600)
            let inHalves = try halves.sample()
            let byOne = try one.sample()
            let fromOne = Dictionary(byOne.processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
            let both = inHalves.processes.filter { fromOne[$0.pid]?.identity == $0.identity }
            #expect(Set(both.map(\.pid)).isSuperset(of: ours), "every sleeper in both samples")
            #expect(inHalves.processes.map(\.pid) == inHalves.processes.map(\.pid).sorted(), "PID order")
            for process in both where ours.contains(process.pid) {
                #expect(process == fromOne[process.pid], "pid \(process.pid)")
            }
            // Each namespace's table is read through its first process in PID order, whichever half
            // that is in: where that process is the same in both samples, so is the table.
            let tables = Dictionary(byOne.mountNamespaces.map { ($0.inode, $0) }, uniquingKeysWith: { first, _ in first })
            func firsts(_ snapshot: Snapshot) -> [UInt64: ProcessIdentity] {
                var first: [UInt64: ProcessIdentity] = [:]
                for process in snapshot.processes { if let mnt = process.namespaces[.mnt], first[mnt] == nil { first[mnt] = process.identity } }
                return first
            }
            let firstInHalves = firsts(inHalves), firstByOne = firsts(byOne)
            let sleepersNamespace = try #require(fromOne[sleepers.pid]?.namespaces[.mnt])
            #expect(inHalves.mountNamespaces.contains { $0.inode == sleepersNamespace })
            var compared = 0
            for table in inHalves.mountNamespaces where firstInHalves[table.inode] != nil && firstInHalves[table.inode] == firstByOne[table.inode] {
                #expect(table == tables[table.inode], "mount namespace \(table.inode)")
                compared += 1
            }
            #expect(compared > 0)
            #expect(inHalves.counters.processes == inHalves.processes.count)
        }

        /// The PIDs whose parent is `pid` (from /proc/PID/stat).
        static func children(of pid: pid_t) -> [Int32] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return names.compactMap(Int32.init).filter { child in
                guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { return false }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return fields.count > 1 && Int32(fields[1]) == pid
            }
        }

        /// The daemon's BPF sample lists /proc only when the pass did not account for every task of
        /// the kernel; either way, no process that lived throughout is missing. Checked over many
        /// samples (other tests start and end processes meanwhile); at least one must skip the listing.
        @Test("a BPF sample that skips listing /proc still has every process that lived throughout")
        func skippedListingMissesNothing() throws {
            let iterator = try BPFLive.require()
            let sampler = TaskIterSampler(iterator: iterator)
            var known = Dictionary(try sampler.sample().processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
            var skipped = 0
            for _ in 0..<50 {
                let before = Set(Self.listedPIDs())
                let snapshot = try sampler.sample(reusing: known)
                let after = Set(Self.listedPIDs())
                let sampled = Set(snapshot.processes.map(\.pid))
                let missing = before.intersection(after).subtracting(sampled)
                #expect(missing.isEmpty, "missing \(missing.sorted().prefix(10)) (listing skipped: \(snapshot.skippedListing))")
                if snapshot.skippedListing { skipped += 1 }
                known = Dictionary(snapshot.processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
            }
            #expect(skipped > 0, "no sample accounted for every task: /proc was listed every time")
        }

        static func listedPIDs() -> [Int32] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        }

        static func expectSame(_ bpf: Snapshot, _ procfs: Snapshot) {
            #expect(bpf.problems == procfs.problems)
            #expect(bpf.counters == procfs.counters)
            #expect(bpf.mountNamespaces == procfs.mountNamespaces)
            #expect(bpf.processes.map(\.pid) == procfs.processes.map(\.pid))
            for (fromBPF, fromProc) in zip(bpf.processes, procfs.processes) {
                var comparable = fromBPF
                comparable.cgroupID = nil
                #expect(comparable == fromProc, "pid \(fromBPF.pid) (\(fromBPF.stat.comm))")
            }
        }

        @Test("isotrace snapshot --sampler bpf and --sampler procfs print the same JSON apart from the sampler")
        func snapshotCommandsAgree() throws {
            _ = try BPFLive.require()
            let zoo = CredentialZoo()
            defer { zoo.stop() }
            try zoo.start()
            let pidArguments = zoo.pids.flatMap { ["--pid", String($0.pid)] }
            let bpf = try IsotraceBinary.run(["snapshot", "--format", "json", "--sampler", "bpf"] + pidArguments)
            let procfs = try IsotraceBinary.run(["snapshot", "--format", "json", "--sampler", "procfs"] + pidArguments)
            #expect(bpf.status == 0, "\(bpf.description)")
            #expect(procfs.status == 0, "\(procfs.description)")
            #expect(bpf.stderr == "isotrace: sampler bpf\n")
            #expect(procfs.stderr == "isotrace: sampler procfs (asked for)\n")
            var fromBPF = try IsotraceBinary.json(bpf), fromProc = try IsotraceBinary.json(procfs)
            #expect(fromBPF["sampler"] as? String == "bpf" && fromProc["sampler"] as? String == "procfs")
            #expect((fromBPF["processes"] as? [Any])?.count == zoo.pids.count)
            for key in ["sampler", "taken_at"] {
                fromBPF[key] = nil
                fromProc[key] = nil
            }
            let differences = Self.difference(fromBPF, fromProc)
            #expect(differences.isEmpty, "\(differences)")
        }

        @Test("isotrace audit --sampler bpf and --sampler procfs judge simulated jobs alike",
              .simulateTools)
        func auditCommandsAgree() throws {
            _ = try BPFLive.require()
            let simulation = try LiveSimulation("all")
            defer { simulation.stop() }
            func audit(_ sampler: String) throws -> [String: Any] {
                let result = try IsotraceBinary.run("audit", "--format", "json", "--policy", SimulationRequirements.basePolicy, "--sampler", sampler)
                #expect(result.status == 1, "\(result.description)")
                #expect(result.stderr.hasPrefix("isotrace: sampler \(sampler)"), "\(result.stderr)")
                return try IsotraceBinary.json(result)
            }
            let bpf = try audit("bpf"), procfs = try audit("procfs")
            #expect(bpf["sampler"] as? String == "bpf" && procfs["sampler"] as? String == "procfs")
            #expect(Set(bpf.keys) == Set(procfs.keys))
            func ours(_ document: [String: Any]) -> [String: [String: Any]] {
                let pilots = Set(simulation.jobs.map(\.pilotPID))
                var jobs: [String: [String: Any]] = [:]
                for job in document["jobs"] as? [[String: Any]] ?? [] {
                    guard let pilot = (job["pilot"] as? [String: Any])?["pid"] as? Int, pilots.contains(pilot) else { continue }
                    jobs["\(job["panda_id"] ?? "?") pilot \(pilot)"] = job
                }
                return jobs
            }
            let bpfJobs = ours(bpf), procfsJobs = ours(procfs)
            #expect(bpfJobs.count == simulation.jobs.count, "\(bpfJobs.keys.sorted())")
            #expect(Set(bpfJobs.keys) == Set(procfsJobs.keys))
            for (key, job) in bpfJobs {
                let other = procfsJobs[key] ?? [:]
                let differences = Self.difference(job, other)
                #expect(differences.isEmpty, "job \(key): \(differences)")
            }
            #expect(NSArray(array: bpf["node_findings"] as? [Any] ?? []).isEqual(to: procfs["node_findings"] as? [Any] ?? []))
        }

        @Test("--proc-root forces /proc: auto says why, --sampler bpf exits 2 with the reason")
        func procRootForcesProcfs() throws {
            let fixture = Repository.pilot3ProcRoot
            let auto = try IsotraceBinary.run("snapshot", "--format", "json", "--proc-root", fixture)
            #expect(auto.status == 0, "\(auto.description)")
            #expect(auto.stderr.hasPrefix("isotrace: sampler procfs (--proc-root \(fixture) is not the live /proc"), "\(auto.stderr)")
            #expect(try IsotraceBinary.json(auto)["sampler"] as? String == "procfs")
            let bpf = try IsotraceBinary.run("audit", "--format", "json", "--sampler", "bpf", "--proc-root", fixture)
            #expect(bpf.status == 2, "\(bpf.description)")
            #expect(bpf.stdout == "")
            #expect(bpf.stderr.contains("isotrace: error: --sampler bpf: --proc-root \(fixture) is not the live /proc"), "\(bpf.stderr)")
        }

        @Test("without privileges auto falls back to /proc with the reason and --sampler bpf exits 2")
        func unprivilegedFallsBack() throws {
            let binary = try IsotraceBinary.path()
            let asNobody = ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", binary]
            let auto = try Command.run(asNobody + ["snapshot", "--format", "json", "--pid", "1"])
            if auto.status != 0 && auto.stderr.contains("Permission denied") {
                try Test.cancel("the isotrace binary is not executable by uid 65534 here: \(auto.stderr)")
            }
            #expect(auto.status == 0, "\(auto.description)")
            #expect(auto.stderr.hasPrefix("isotrace: sampler procfs (needs root, or CAP_BPF and CAP_PERFMON)"), "\(auto.stderr)")
            let bpf = try Command.run(asNobody + ["snapshot", "--format", "json", "--pid", "1", "--sampler", "bpf"])
            #expect(bpf.status == 2, "\(bpf.description)")
            #expect(bpf.stderr.contains("--sampler bpf: needs root, or CAP_BPF and CAP_PERFMON"), "\(bpf.stderr)")
        }

        /// Under `unshare -p -f --mount-proc` the /proc that isotrace reads is the child namespace's,
        /// where /proc/self/status's NSpid has one level only; the BPF iterator would still report
        /// the initial namespace's PIDs, and every process it saw would look vanished.
        @Test("in a child PID namespace with its own /proc, auto uses /proc with the reason and --sampler bpf exits 2")
        func childPIDNamespaceFallsBack() throws {
            _ = try BPFLive.require()
            let inChild = ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc", try IsotraceBinary.path()]
            let auto = try Command.run(inChild + ["snapshot", "--format", "json"], timeout: 60)
            #expect(auto.status == 0, "\(auto.description)")
            let reason = "isotrace runs in a PID namespace below the initial one (BPF reports the initial namespace's PIDs)"
            #expect(auto.stderr.hasPrefix("isotrace: sampler procfs (\(reason))"), "\(auto.stderr)")
            let json = try IsotraceBinary.json(auto)
            #expect(json["sampler"] as? String == "procfs")
            let processes = try IsotraceBinary.processes(json)
            #expect(processes[1] != nil, "the namespace's own first process (isotrace, PID 1 there) is sampled: \(processes.keys.sorted())")
            let bpf = try Command.run(inChild + ["snapshot", "--format", "json", "--sampler", "bpf"], timeout: 60)
            #expect(bpf.status == 2, "\(bpf.description)")
            #expect(bpf.stdout == "")
            #expect(bpf.stderr.contains("--sampler bpf: \(reason)"), "\(bpf.stderr)")
        }

        /// Kernels before 6.16 (EL9's 5.14 among them) do not let /sys/kernel/btf/vmlinux be
        /// mapped; the loader then reads it. This kernel maps it, so a shim refuses the mapping.
        @Test("the BPF loader reads the kernel's BTF when it cannot map it, and the sample is the same",
              .enabled(if: Executables.isExecutable("/usr/bin/cc"), "needs the system C compiler (cc) for the LD_PRELOAD shim"),
              .enabled(if: Executables.isExecutable("/usr/bin/strace"), "needs strace to see which path loaded the program"))
        func loaderReadsBTFWithoutMapping() throws {
            _ = try BPFLive.require()
            let scratch = try TestDirectory("isotrace-btf-read")
            defer { scratch.remove() }
            let shim = scratch.file("btf_no_mmap.so")
            let compile = try Command.run(["/usr/bin/cc", "-Wall", "-shared", "-fPIC", "-o", shim,
                                           Repository.path("Tests/LiveTests/LoaderShims/btf_no_mmap.c"), "-ldl"])
            try #require(compile.status == 0, "\(compile.description)")
            let child = try ChildProcess.execingSleep(["/bin/sleep", "300"], environment: ["PANDAID": "4267387837"])
            defer { child.stop() }
            let arguments = ["snapshot", "--format", "json", "--sampler", "bpf", "--pid", String(child.pid), "--pid", String(getpid())]
            var environment = ProcessInfo.processInfo.environment
            environment["LD_PRELOAD"] = shim
            // strace shows the loader's own pass made its small BTF (libbpf's fallback path, which
            // would also load the program, makes none).
            let trace = scratch.file("memfd.trace")
            let read = try Command.run(["/usr/bin/strace", "-f", "-e", "trace=memfd_create", "-o", trace, try IsotraceBinary.path()] + arguments,
                                       environment: environment)
            #expect(read.status == 0, "\(read.description)")
            let traced = try String(contentsOfFile: trace, encoding: .utf8)
            #expect(traced.contains("memfd_create(\"isotrace-kernel-types\""), "the loader's BTF pass did not run: \(traced)")
            #expect(read.stderr.contains("btf-no-mmap: refused a mapping"), "the shim did not refuse the BTF mapping: \(read.stderr)")
            #expect(read.stderr.contains("isotrace: sampler bpf\n"), "\(read.stderr)")
            let mapped = try IsotraceBinary.run(arguments)
            #expect(mapped.status == 0 && mapped.stderr == "isotrace: sampler bpf\n", "\(mapped.description)")
            let readJSON = try IsotraceBinary.json(read), mappedJSON = try IsotraceBinary.json(mapped)
            #expect(readJSON["sampler"] as? String == "bpf")
            let readProcesses = try IsotraceBinary.processes(readJSON), mappedProcesses = try IsotraceBinary.processes(mappedJSON)
            let readChild = try #require(readProcesses[Int(child.pid)]), mappedChild = try #require(mappedProcesses[Int(child.pid)])
            func text(_ value: Any?) -> String {
                (try? JSONSerialization.data(withJSONObject: ["v": value ?? NSNull()], options: [.sortedKeys]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? "unserializable"
            }
            let differing = Set(readChild.keys).union(mappedChild.keys).filter { text(readChild[$0]) != text(mappedChild[$0]) }
            #expect(differing.isEmpty, "differing: \(differing.sorted().map { "\($0): \(readChild[$0] ?? "nil") vs \(mappedChild[$0] ?? "nil")" })")
            #expect((readChild["env"] as? [String: String])?["PANDAID"] == "4267387837")
            #expect(readProcesses[Int(getpid())]?["uids"] as? [Int] == mappedProcesses[Int(getpid())]?["uids"] as? [Int])
            #expect(readProcesses[Int(getpid())]?["ns"] as? [String: Int] == mappedProcesses[Int(getpid())]?["ns"] as? [String: Int])
        }

        /// What dist/isotrace.service gives the daemon before it drops to two capabilities: root's
        /// uid without CAP_SYS_ADMIN. On kernels from 6.3 (no kernel_cap_struct) libbpf once
        /// searched the modules' BTF for it, which needs CAP_SYS_ADMIN, and the load failed.
        @Test("the unit's capability bounding set (CAP_BPF, CAP_PERFMON, no CAP_SYS_ADMIN) is enough to load the task iterator")
        func unitCapabilitiesSuffice() throws {
            _ = try BPFLive.require()
            let unit = try String(contentsOfFile: Repository.path("dist/isotrace.service"), encoding: .utf8)
            let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("CapabilityBoundingSet=") })
            let capabilities = line.dropFirst("CapabilityBoundingSet=".count).split(separator: " ").map { "+" + $0.dropFirst(4).lowercased() }
            #expect(capabilities.contains("+bpf") && capabilities.contains("+perfmon") && !capabilities.contains("+sys_admin"), "\(line)")
            let limited = ["/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-all," + capabilities.joined(separator: ","), try IsotraceBinary.path()]
            let snapshot = try Command.run(limited + ["snapshot", "--format", "json", "--pid", "1", "--sampler", "bpf"])
            #expect(snapshot.status == 0 && snapshot.stderr.hasPrefix("isotrace: sampler bpf\n"), "\(snapshot.description)")
        }

        @Test("the daemon with --sampler bpf names the sampler in every record, runs confined, and verify passes",
              .simulateTools)
        func daemonRecordsNameTheSampler() throws {
            _ = try BPFLive.require()
            let simulation = try LiveSimulation("all")
            defer { simulation.stop() }
            let run = try DaemonRun()
            defer { run.remove() }
            let daemon = try run.start(["--sampler", "bpf"])
            defer { daemon.stop() }
            let leaky = try simulation.job("leaky")
            let records = try #require(run.waitForRecords(daemon) { records in
                let heartbeat = records.contains { $0["type"] as? String == "heartbeat" }
                let pilot = DaemonRun.sampledProcesses(records).contains { $0["pid"] as? Int == leaky.pilotPID }
                return heartbeat && pilot ? records : nil
            }, "no heartbeat and pilot process record; stderr: \(daemon.stderrText)")
            #expect(daemon.stderrText.hasPrefix("isotrace: sampler bpf\n"), "\(daemon.stderrText)")
            #expect(daemon.stderrText.contains("confinement verified"))
            #expect(!daemon.stderrText.contains("BPF sampler failed"), "\(daemon.stderrText)")
            // Confined, it can still read the iterator's task count (to skip listing /proc).
            #expect(!daemon.stderrText.contains("task count is unreadable"), "\(daemon.stderrText)")
            // Every record of what was seen; key_rotation records (keygen's, the daemon's at start) are key bookkeeping.
            let seen = records.filter { $0["type"] as? String != "key_rotation" }
            for record in seen {
                // Processes only the event source saw (a `processes` array, seen_by: event) were seen by
                // no sampler; a record of sampled processes (seen_by: sample) names its sampler. A record
                // holds one kind only.
                if record["processes"] is [[String: Any]] {
                    let entries = DaemonRun.entries(of: record)
                    let seenBy = Set(entries.map { $0["seen_by"] as? String ?? "?" })
                    #expect(seenBy == ["event"] || seenBy == ["sample"], "\(record["type"] ?? "?") record seq \(record["seq"] ?? "?"): \(seenBy)")
                    if seenBy == ["event"] {
                        #expect(record["sampler"] == nil)
                        continue
                    }
                }
                #expect(record["sampler"] as? String == "bpf", "\(record["type"] ?? "?") record seq \(record["seq"] ?? "?")")
            }
            #expect((seen.first?["audit"] as? [String: Any])?["sampler"] as? String == "bpf")
            kill(daemon.pid, SIGTERM)
            _ = daemon.waitFor(attempts: 3000) { daemon.hasExited ? true : nil }
            #expect(daemon.exitCode == 0, "\(daemon.stderrText)")
            let verify = try IsotraceBinary.run("verify", "--out", run.directory)
            #expect(verify.status == 0, "\(verify.description)")
        }

        /// The keys whose values differ, for a readable failure.
        /// An RFC 3339 UTC time with milliseconds (`2026-12-06T19:03:51.447Z`) in milliseconds since the epoch.
        static func milliseconds(_ text: String) -> Int64? {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        }

        static func difference(_ a: [String: Any], _ b: [String: Any]) -> String {
            func text(_ value: Any?) -> String {
                guard let value else { return "(absent)" }
                let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed])
                return data.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
            // Each difference by the path of the innermost value that differs (e.g.
            // `findings[3].status`), so a failure says which rule or process, not 400 bytes of a list.
            func leaves(_ x: Any?, _ y: Any?, _ path: String) -> [String] {
                if let x = x as? [String: Any], let y = y as? [String: Any] {
                    return Set(x.keys).union(y.keys).sorted().flatMap { leaves(x[$0], y[$0], path.isEmpty ? $0 : path + "." + $0) }
                }
                if let x = x as? [Any], let y = y as? [Any], x.count == y.count {
                    return x.indices.flatMap { leaves(x[$0], y[$0], "\(path)[\($0)]") }
                }
                // Each run takes the boot instant from the clocks once (CLOCK_REALTIME less
                // CLOCK_BOOTTIME, read one after the other): two runs may be a millisecond apart.
                if path.hasSuffix("start_time") || path.hasSuffix("boot_time"), let x = x as? String, let y = y as? String,
                   let first = milliseconds(x), let second = milliseconds(y), abs(first - second) <= 1 {
                    return []
                }
                return text(x) == text(y) ? [] : ["\(path): \(text(x).prefix(400)) vs \(text(y).prefix(400))"]
            }
            return leaves(a, b, "").joined(separator: "; ")
        }
    }
}
