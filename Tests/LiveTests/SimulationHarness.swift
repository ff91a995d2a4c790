import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The conditions the live suites that run `isotrace simulate` share, each with its reason.
extension Trait where Self == ConditionTrait {
    /// python3, bubblewrap and util-linux, which `isotrace simulate` runs.
    static var simulateTools: Self {
        .enabled(if: SimulationRequirements.hasSimulateTools, "needs python3, bubblewrap and util-linux (setpriv, unshare) for isotrace simulate")
    }

    /// Root, to start payloads under other uids and in new namespaces.
    static var rootForSimulate: Self {
        .enabled(if: LiveRequirements.isRoot, "needs root: isotrace simulate starts payloads under other uids and in new namespaces")
    }
}

/// What the audit live tests need beyond root and the isotrace binary.
enum SimulationRequirements {
    static let hasSimulateTools = ["/usr/bin/python3", "/usr/bin/bwrap", "/usr/bin/setpriv", "/usr/bin/unshare"]
        .allSatisfy(Executables.isExecutable)
    static let hasStrace = Executables.isExecutable("/usr/bin/strace")
    /// The cgroup v1 name=systemd hierarchy, which TRACE-CGROUP reads on a hybrid node.
    static let systemdCgroupRoot = "/sys/fs/cgroup/systemd"
    static let hasSystemdCgroupV1: Bool = {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        return mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4] == systemdCgroupRoot && line.contains(" - cgroup ") && line.contains("name=systemd")
        }
    }()
    /// TRACE-CGROUP for the simulated jobs, which sit in the test's own cgroups: `pass` when the
    /// test runs below the root of some hierarchy (a batch job, a service, a container), `skip`
    /// on a node where it sits in the root cgroup of every hierarchy (no cgroup holds the job).
    static let cgroupVerdict: String = {
        let lines = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8))?.split(separator: "\n") ?? []
        let below = lines.contains { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            return parts.count == 3 && parts[2] != "/"
        }
        return below ? "pass" : "skip"
    }()
    /// kernel.yama.ptrace_scope, nil when Yama is not active.
    static let yamaPtraceScope: Int? = (try? String(contentsOfFile: "/proc/sys/kernel/yama/ptrace_scope", encoding: .utf8))
        .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }

    /// The repository's base policy (the tests never rely on /etc/isotrace/policy.yaml).
    static let basePolicy: String = Repository.policy

    /// uids the simulated pilots and payloads run as: unused, and not simulate's defaults, so a
    /// simulation someone runs by hand beside the tests does not share them.
    static let pilotUID: UInt32 = 64931
    static let payloadUID: UInt32 = 64932
}

/// One job line printed by `isotrace simulate` before `ready:`.
struct SimulatedJob {
    var mode: String
    var pandaID: String
    var pilotPID: Int
    var pilotUID: Int
    var payloadPIDs: [Int]

    /// `<mode>  panda_id=...  pilot_pid=...  pilot_uid=...  payload_pid=a,b`
    init?(line: Substring) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let mode = fields.first else { return nil }
        var values: [String: String] = [:]
        for field in fields.dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard let pandaID = values["panda_id"], let pilot = values["pilot_pid"].flatMap({ Int($0) }),
              let uid = values["pilot_uid"].flatMap({ Int($0) }), let payloads = values["payload_pid"] else { return nil }
        self.mode = String(mode)
        self.pandaID = pandaID
        self.pilotPID = pilot
        self.pilotUID = uid
        self.payloadPIDs = payloads.split(separator: ",").compactMap { Int($0) }
    }
}

/// `isotrace simulate` run as a child of the test: started, read until `ready:`, ended with
/// SIGTERM by its PID, and checked to have removed every process and file it made.
final class LiveSimulation {
    let child: ChildProcess
    let jobs: [SimulatedJob]
    let directory: String
    private var stopped = false

    /// Starts `isotrace simulate <mode>` and waits for its `ready:` line.
    init(_ mode: String, payloadCommand: String? = nil, hold: Int = 120) throws {
        var arguments = [try IsotraceBinary.path(), "simulate", mode, "--hold", String(hold),
                         "--pilot-uid", String(SimulationRequirements.pilotUID),
                         "--payload-uid", String(SimulationRequirements.payloadUID)]
        if let payloadCommand { arguments += ["--payload-command", payloadCommand] }
        let child = try ChildProcess(arguments)
        self.child = child
        directory = "/var/tmp/isotrace-simulate-\(child.pid)"
        // The child's stdout is a file: read it through the child's own fd 1 while it runs.
        let ready = child.waitFor { () -> String? in
            let text = (try? String(contentsOfFile: "/proc/\(child.pid)/fd/1", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").contains { $0.hasPrefix("ready:") } ? text : nil
        }
        guard let output = ready else {
            let reason = child.hasExited ? "exited: \(child.stderrText)" : "no 'ready:' line within 20 s"
            child.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw SpawnError(message: "isotrace simulate \(mode) did not get ready: \(reason)")
        }
        jobs = output.split(separator: "\n").filter { !$0.hasPrefix("ready:") }.compactMap(SimulatedJob.init(line:))
        if jobs.isEmpty {
            stopped = true
            child.stop()
            throw SpawnError(message: "isotrace simulate \(mode) printed no job line: \(output)")
        }
    }

    deinit { stop() }

    func job(_ mode: String) throws -> SimulatedJob {
        try #require(jobs.first { $0.mode == mode }, "simulate printed no \(mode) job: \(jobs.map(\.mode))")
    }

    /// Every PID the simulation printed (pilots and payload roots).
    var printedPIDs: [Int] { jobs.flatMap { [$0.pilotPID] + $0.payloadPIDs } }

    /// SIGTERM to the simulate process by its PID, then waits for it; it kills its payload groups
    /// and pilots and removes its directory. Orphaned payload processes come back to the test
    /// process (a child subreaper) and are reaped here by their process groups. Records an issue
    /// for whatever is left; idempotent.
    func stop() {
        guard !stopped else { return }
        stopped = true
        if !child.hasExited { _ = kill(child.pid, SIGTERM) }
        let ended = child.waitFor(attempts: 3000) { child.hasExited ? true : nil } == true
        if !ended { Issue.record("isotrace simulate (pid \(child.pid)) did not end within 30 s of SIGTERM: killed") }
        child.stop()
        let groups = Set(jobs.flatMap { [$0.pilotPID] + $0.payloadPIDs }).map { pid_t($0) }
        var left: [Int] = []
        for _ in 0..<500 {
            for group in groups { Self.reap(group: group) }
            left = printedPIDs.filter { kill(pid_t($0), 0) == 0 || errno != ESRCH }
                + groups.map(Int.init).filter { kill(-pid_t($0), 0) == 0 }
            if left.isEmpty { break }
            usleep(10_000)
        }
        if !left.isEmpty {
            Issue.record("simulation processes still present after it ended: \(Set(left).sorted())")
            // Ours to remove: the groups the simulation created and printed.
            for group in groups { _ = kill(-group, SIGKILL) }
            for group in groups { Self.reap(group: group) }
        }
        if FileManager.default.fileExists(atPath: directory) {
            Issue.record("simulate left its directory \(directory)")
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Reaps, without blocking, the members of `group` that were re-parented to us.
    private static func reap(group: pid_t) {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(-group, &status, WNOHANG)
            if reaped > 0 || (reaped < 0 && errno == EINTR) { continue }
            return
        }
    }
}

/// `isotrace audit --format json` and the parts of its document the tests look at.
struct AuditDocument {
    var status: Int32
    var document: [String: Any]
    var stderr: String

    /// Runs the audit with the repository's policy unless `policy` names another file.
    static func run(policy: String = SimulationRequirements.basePolicy, _ extra: [String] = []) throws -> AuditDocument {
        let result = try IsotraceBinary.run(["audit", "--format", "json", "--policy", policy] + extra)
        try #require(result.status == 0 || result.status == 1, "audit failed: \(result.description)")
        return AuditDocument(status: result.status, document: try IsotraceBinary.json(result), stderr: result.stderr)
    }

    var jobs: [[String: Any]] { document["jobs"] as? [[String: Any]] ?? [] }
    var nodeFindings: [[String: Any]] { document["node_findings"] as? [[String: Any]] ?? [] }
    var unattributed: [[String: Any]] { document["unattributed"] as? [[String: Any]] ?? [] }

    /// The job the simulation started: its PanDA ID and its pilot's PID (another simulation on the
    /// node may carry the same PanDA ID).
    func job(_ simulated: SimulatedJob) throws -> AuditJob {
        let found = jobs.first { $0["panda_id"] as? String == simulated.pandaID && Self.pid(of: $0["pilot"]) == simulated.pilotPID }
        let listed = jobs.map { "\($0["panda_id"] ?? "?")/\(Self.pid(of: $0["pilot"]) ?? -1)" }.joined(separator: ", ")
        return AuditJob(json: try #require(found, "no job \(simulated.pandaID) with pilot \(simulated.pilotPID) in the audit; jobs: \(listed)"))
    }

    /// Jobs on the node that none of `simulations` started (someone else's trees).
    func foreignJobs(_ simulated: [SimulatedJob]) -> [[String: Any]] {
        let ours = Set(simulated.map(\.pilotPID))
        return jobs.filter { Self.pid(of: $0["pilot"]).map { !ours.contains($0) } ?? true }
    }

    func nodeFinding(_ rule: String) throws -> [String: Any] {
        try #require(nodeFindings.first { $0["rule"] as? String == rule }, "no node finding \(rule): \(nodeFindings.map { $0["rule"] ?? "?" })")
    }

    /// Every finding (jobs' and node's) with status fail.
    var failing: [[String: Any]] {
        (jobs.flatMap { $0["findings"] as? [[String: Any]] ?? [] } + nodeFindings).filter { $0["status"] as? String == "fail" }
    }

    static func pid(of process: Any?) -> Int? { (process as? [String: Any])?["pid"] as? Int }
}

/// One job of the audit document.
struct AuditJob {
    var json: [String: Any]

    var isolated: Bool? { json["isolated"] as? Bool }
    var findings: [[String: Any]] { json["findings"] as? [[String: Any]] ?? [] }
    var processes: [[String: Any]] { json["processes"] as? [[String: Any]] ?? [] }
    var processPIDs: Set<Int> { Set(processes.compactMap { $0["pid"] as? Int }) }

    func finding(_ rule: String) throws -> Finding {
        let found = findings.first { $0["rule"] as? String == rule }
        return Finding(json: try #require(found, "job \(json["panda_id"] ?? "?") has no \(rule) finding"))
    }

    func status(_ rule: String) -> String? { findings.first { $0["rule"] as? String == rule }?["status"] as? String }

    /// `rule: status` for every finding, for messages.
    var summary: String { findings.map { "\($0["rule"] ?? "?"): \($0["status"] ?? "?")" }.joined(separator: ", ") }

    struct Finding {
        var json: [String: Any]
        var status: String? { json["status"] as? String }
        var severity: String? { json["severity"] as? String }
        var message: String { json["message"] as? String ?? "" }
        var pid: Int? { json["pid"] as? Int }
        var evidence: [String: Any] { json["evidence"] as? [String: Any] ?? [:] }
        var description: String { "\(json["rule"] ?? "?") \(status ?? "?"): \(message) \(evidence)" }
    }
}

/// Policy files the tests write: extending the repository's policy, in a temp dir removed after.
final class TemporaryPolicy {
    let directory: URL
    let path: String

    /// `overrides` is the YAML of the `rules:` list (entries indented by two spaces).
    init(rules overrides: String) throws {
        directory = try TestDirectory("isotrace-live-policy").url
        path = directory.appendingPathComponent("site.yaml").path
        let text = """
            extends: \(SimulationRequirements.basePolicy)
            id: isotrace-live-test
            version: "0.0.1"
            title: isotrace live test site policy
            rules:
            \(overrides)
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    deinit { remove() }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Severity order of the policy (Sources/Policy/Severity.swift).
enum SeverityOrder {
    static let all = ["info", "low", "medium", "high", "critical"]
    static func rank(_ name: String?) -> Int? { name.flatMap { all.firstIndex(of: $0) } }
}
