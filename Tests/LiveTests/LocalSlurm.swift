import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A single-node Slurm of the test's own (Debian's slurm-wlm and munge): munged, slurmctld and
/// slurmd in the foreground as children of the test, tracked and stopped by PID, with their own
/// configuration, state, spool and logs in a temporary directory, on free loopback ports, with the
/// cgroup plugin the host has (cgroup/v1 on a v1 or hybrid host: proctrack/cgroup, task/cgroup with
/// ConstrainCores). The node is named `isotrace<pid>`, so every cgroup Slurm makes is below
/// `slurm_isotrace<pid>` (cgroup/v1) and is removed by `stop()`, which also kills by PID whatever
/// is still in those cgroups (only processes of this Slurm's jobs can be there).
final class LocalSlurm {
    static let binaries = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/bin/scontrol",
                           "/usr/bin/scancel", "/usr/bin/sinfo"]
    /// The v1 controllers the configuration constrains (freezer: proctrack/cgroup; cpuset: ConstrainCores).
    static let controllers = ["cpuset", "freezer"]

    /// Why this machine cannot run it (nil when it can try).
    static let unavailable: String? = {
        if !LiveRequirements.isRoot { return "needs root (slurmd runs jobs and makes cgroups)" }
        let missing = binaries.filter { !Executables.isExecutable($0) }
        if !missing.isEmpty { return "missing \(missing.joined(separator: ", ")) (make deps installs slurm-wlm and munge)" }
        if cgroupPlugin == nil { return "neither cgroup v1 cpuset+freezer hierarchies nor a cgroup v2 root at /sys/fs/cgroup" }
        return nil
    }()

    /// `cgroup/v1` when the v1 controllers are mounted (v1 or hybrid host), `cgroup/v2` on a v2-only host.
    static let cgroupPlugin: String? = {
        if controllers.allSatisfy({ FileManager.default.fileExists(atPath: "/sys/fs/cgroup/\($0)/tasks") }) { return "cgroup/v1" }
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") { return "cgroup/v2" }
        return nil
    }()

    let directory: URL
    let nodeName = "isotrace\(getpid())"
    let environment: [String: String]
    private var daemons: [(name: String, process: ChildProcess)] = []
    private var stopped = false

    var configuration: String { directory.appendingPathComponent("slurm.conf").path }

    /// Writes the configuration and starts the three daemons; waits until the node is idle.
    /// Throws `LocalSlurmError` with the daemons' own words when Slurm does not come up.
    init() throws {
        // Short: slurmstepd's sockets live in the spool directory, and a socket path has 108 bytes.
        directory = try TestDirectory("isoslurm").url
        environment = ["SLURM_CONF": directory.appendingPathComponent("slurm.conf").path,
                       "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        do {
            try start()
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func start() throws {
        let manager = FileManager.default
        for name in ["munge", "state", "spool", "log"] {
            try manager.createDirectory(atPath: path(name), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var key = [UInt8](repeating: 0, count: 1024)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        try Data(key).write(to: URL(fileURLWithPath: path("munge/munge.key")))
        chmod(path("munge/munge.key"), 0o600)
        let (controllerPort, nodePort) = (try LoopbackPort.free(), try LoopbackPort.free())
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        try """
            ClusterName=isotrace
            SlurmctldHost=\(host)(127.0.0.1)
            SlurmctldPort=\(controllerPort)
            SlurmdPort=\(nodePort)
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            CredType=cred/munge
            AuthInfo=socket=\(path("munge/munge.socket"))
            StateSaveLocation=\(path("state"))
            SlurmdSpoolDir=\(path("spool"))
            SlurmctldPidFile=\(path("slurmctld.pid"))
            SlurmdPidFile=\(path("slurmd.pid"))
            SlurmctldLogFile=\(path("log/slurmctld.log"))
            SlurmdLogFile=\(path("log/slurmd.log"))
            ProctrackType=proctrack/cgroup
            TaskPlugin=task/cgroup
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SchedulerType=sched/builtin
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            ReturnToService=2
            MpiDefault=none
            NodeName=\(nodeName) NodeHostname=\(host) NodeAddr=127.0.0.1 CPUs=1 State=UNKNOWN
            PartitionName=isotrace Nodes=\(nodeName) Default=YES MaxTime=INFINITE State=UP

            """.write(toFile: path("slurm.conf"), atomically: true, encoding: .utf8)
        var cgroupConfiguration = "CgroupPlugin=\(Self.cgroupPlugin ?? "autodetect")\nConstrainCores=yes\n"
        if Self.cgroupPlugin == "cgroup/v2" { cgroupConfiguration += "IgnoreSystemd=yes\nEnableControllers=yes\n" }
        try cgroupConfiguration.write(toFile: path("cgroup.conf"), atomically: true, encoding: .utf8)

        try launch("munged", ["/usr/sbin/munged", "--foreground", "--force", "--socket=\(path("munge/munge.socket"))",
                              "--key-file=\(path("munge/munge.key"))", "--pid-file=\(path("munge/munged.pid"))",
                              "--log-file=\(path("log/munged.log"))", "--seed-file=\(path("munge/seed"))"])
        try waitFor("munged's socket") { manager.fileExists(atPath: self.path("munge/munge.socket")) }
        try launch("slurmctld", ["/usr/sbin/slurmctld", "-D", "-i", "-f", configuration])
        try launch("slurmd", ["/usr/sbin/slurmd", "-D", "-N", nodeName, "-f", configuration])
        try waitFor("node \(nodeName) idle") {
            let state = try? Command.run(["/usr/bin/sinfo", "-h", "-n", self.nodeName, "-o", "%t"], environment: self.environment)
            return state?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "idle"
        }
    }

    private func launch(_ name: String, _ arguments: [String]) throws {
        daemons.append((name, try ChildProcess(arguments, environment: environment)))
    }

    /// Polls `ready` for up to 30 s; a daemon that exits meanwhile ends the wait with its log.
    private func waitFor(_ what: String, _ ready: () -> Bool) throws {
        for _ in 0..<300 {
            if let dead = daemons.first(where: { $0.process.hasExited }) {
                throw LocalSlurmError("\(dead.name) exited (\(dead.process.exitCode ?? -1)) while waiting for \(what): \(log(dead.name))")
            }
            if ready() { return }
            usleep(100_000)
        }
        throw LocalSlurmError("no \(what) within 30 s: \(daemons.map { "\($0.name): \(log($0.name))" }.joined(separator: " | "))")
    }

    /// The last lines of a daemon's log file, else of its stderr.
    func log(_ name: String) -> String {
        let text = (try? String(contentsOfFile: path("log/\(name).log"), encoding: .utf8))
            ?? daemons.first { $0.name == name }?.process.stderrText ?? ""
        return text.split(separator: "\n").suffix(6).joined(separator: " / ")
    }

    /// Submits `script` (a file) as a batch job; returns its job ID.
    func submit(_ script: String, output: String) throws -> String {
        let result = try Command.run(["/usr/bin/sbatch", "--parsable", "-o", output, "-D", directory.path, script], environment: environment)
        try #require(result.status == 0, "sbatch failed: \(result.stderr)")
        let id = result.stdout.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        try #require(!id.isEmpty && id.allSatisfy(\.isNumber), "sbatch printed no job ID: \(result.stdout)")
        return id
    }

    /// `scontrol show job` field `JobState`.
    func state(ofJob id: String) -> String? {
        guard let result = try? Command.run(["/usr/bin/scontrol", "-o", "show", "job", id], environment: environment) else { return nil }
        return result.stdout.split(separator: " ").first { $0.hasPrefix("JobState=") }.map { String($0.dropFirst("JobState=".count)) }
    }

    func cancel(_ id: String) { _ = try? Command.run(["/usr/bin/scancel", id], environment: environment) }

    /// This Slurm's cgroup directory in `controller` (cgroup/v1), whether or not it exists.
    func cgroupRoot(_ controller: String) -> String { "/sys/fs/cgroup/\(controller)/slurm_\(nodeName)" }

    /// Stops the daemons by PID (SIGTERM, then SIGKILL of their process groups after 10 s), kills
    /// by PID whatever is left in this Slurm's cgroups, removes those cgroups and the directory.
    func stop() {
        guard !stopped else { return }
        stopped = true
        for daemon in daemons.reversed() {
            kill(daemon.process.pid, SIGTERM)
            for _ in 0..<100 where !daemon.process.hasExited { usleep(100_000) }
            daemon.process.stop()
        }
        daemons = []
        // slurmstepd outlives slurmd briefly (it leaves the job's cgroup to remove it); orphaned,
        // it comes back to the test process (a child subreaper): wait for those children, then kill.
        var steps = Self.orphanedSteps()
        for _ in 0..<100 where !steps.isEmpty {
            usleep(100_000)
            steps = Self.orphanedSteps()
        }
        for pid in steps {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        for controller in Self.controllers {
            let root = cgroupRoot(controller)
            for _ in 0..<50 {
                let left = Self.processes(below: root)
                if left.isEmpty { break }
                for pid in left { kill(pid, SIGKILL) }
                usleep(100_000)
            }
            for directory in Self.directories(below: root).reversed() where rmdir(directory) != 0 && errno != ENOENT {
                Issue.record("cannot remove cgroup \(directory): \(String(cString: strerror(errno)))")
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Children of the test process running slurmstepd (only this Slurm's can be our children);
    /// exited ones are reaped on the way. Only slurmstepd: the other tests running in parallel
    /// reap their own children, and a zombie reaped here would lose them its exit status.
    static func orphanedSteps() -> [pid_t] {
        let me = getpid()
        var found: [pid_t] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), open < close else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == me else { continue }
            if fields[0] == "Z" {
                guard stat[stat.index(after: open)..<close] == "slurmstepd" else { continue }
                var status: Int32 = 0
                _ = waitpid(pid, &status, WNOHANG)
                continue
            }
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) == "/usr/sbin/slurmstepd" { found.append(pid) }
        }
        return found
    }

    /// `root` and every cgroup below it, parents first.
    static func directories(below root: String) -> [String] {
        guard FileManager.default.fileExists(atPath: root) else { return [] }
        var result = [root]
        var index = 0
        while index < result.count {
            let children = (try? FileManager.default.contentsOfDirectory(atPath: result[index])) ?? []
            for child in children.sorted() {
                var isDirectory: ObjCBool = false
                let path = result[index] + "/" + child
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { result.append(path) }
            }
            index += 1
        }
        return result
    }

    /// PIDs in `root` and the cgroups below it.
    static func processes(below root: String) -> [pid_t] {
        directories(below: root).flatMap { directory in
            ((try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
        }
    }
}

struct LocalSlurmError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
