import Base
import Foundation
import Jobs
import Policy
import ProcFS
import TestSupport
import Testing

/// The batch systems' cgroup layouts (Tests/ProcFSTests/Fixtures/batch-cgroups, sources in its
/// SOURCES.md) put over the pilot3 fixture tree: the classifier names the batch job from the
/// pilot side's cgroups, TRACE-CGROUP checks every hierarchy that holds the job, and a payload
/// process moved out of any one of them fails, naming it, the hierarchy and both paths.
struct BatchCgroupFixtureTests {
    static let overlays = Repository.path("Tests/ProcFSTests/Fixtures/batch-cgroups")
    static let wrapper: Int32 = 25584
    static let pilot: Int32 = 25588
    static let payloadRoot: Int32 = 25625
    static let payloadChild: Int32 = 25630

    /// A copy of the pilot3 tree with the cgroup files of `layout`; `edit` may change the copy.
    static func withLayout(_ layout: String, _ body: (String) throws -> Void) throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let source = "\(overlays)/\(layout)"
            for pid in try FileManager.default.contentsOfDirectory(atPath: source) where Int32(pid) != nil {
                let target = "\(procRoot)/\(pid)/cgroup"
                try FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: "\(source)/\(pid)/cgroup", toPath: target)
            }
            try body(procRoot)
        }
    }

    /// Rewrites one line of `pid`'s cgroup file: the hierarchy `prefix` (`9:freezer:`) gets `path`.
    static func move(_ pid: Int32, in procRoot: String, hierarchy prefix: String, to path: String) throws {
        let file = "\(procRoot)/\(pid)/cgroup"
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { line in
            line.hasPrefix(prefix) ? prefix + path : String(line)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }

    static func cgroupFinding(_ result: AuditResult) throws -> Finding {
        try #require(result.jobs.first?.findings.first { $0.rule == "TRACE-CGROUP" })
    }

    /// layout -> (system, job ID from the cgroup, batch cgroup, pattern, hierarchies TRACE-CGROUP reads)
    static let expected: [String: (system: String, jobID: String?, cgroup: String, pattern: String, hierarchies: Int)] = [
        "slurm-v1-hybrid": ("slurm", "4242", "/slurm_wn01/uid_2001/job_4242", "slurm-cgroup-v1", 9),
        "slurm-v1": ("slurm", "4242", "/slurm_wn01/uid_2001/job_4242", "slurm-cgroup-v1", 8),
        "slurm-v2": ("slurm", "4242", "/system.slice/slurmstepd.scope/job_4242", "slurm-cgroup-v2", 1),
        "htcondor-v1": ("htcondor", nil, "/htcondor/condor_var_lib_condor_execute_slot1_1@wn01.example.org", "htcondor-cgroup", 8),
        "htcondor-hybrid": ("htcondor", nil, "/htcondor/condor_var_lib_condor_execute_slot1_1@wn01.example.org", "htcondor-cgroup", 9),
        "htcondor-v2": ("htcondor", nil, "/system.slice/htcondor/condor_var_lib_condor_execute_slot1_1@wn01.example.org.slice",
                        "htcondor-cgroup-v2", 1),
    ]

    @Test("the bundled patterns name the batch job of every layout, from the pilot side's cgroups",
          arguments: ["slurm-v1-hybrid", "slurm-v1", "slurm-v2", "htcondor-v1", "htcondor-hybrid", "htcondor-v2"])
    func classifierNamesTheBatchJob(layout: String) throws {
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        let want = try #require(Self.expected[layout])
        try Self.withLayout(layout) { procRoot in
            let snapshot = try ProcSampler(procRoot: procRoot).sample()
            let classifier = BatchCgroupClassifier(patterns: policy.batchSystems)
            let match = try #require(classifier.classify([Self.wrapper, Self.pilot].map { pid in snapshot.processes.first { $0.pid == pid } }))
            #expect(match.system == want.system)
            #expect(match.jobID == want.jobID)
            #expect(match.cgroup == want.cgroup)
            #expect(match.patternID == want.pattern)
            #expect(match.pid == Self.wrapper, "the wrapper the batch system started is asked first")
            if want.system == "htcondor" { #expect(match.slot == "slot1_1@wn01.example.org") }

            let result = PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: procRoot)).audit(snapshot)
            let job = try #require(result.jobs.first)
            // The fixture's wrapper (pilot-wrapper.sh) is no runpilot wrapper: the audit asks the pilot.
            #expect(job.batch?.cgroup == match.cgroup && job.batch?.patternID == match.patternID && job.batch?.pid == Self.pilot)
            let finding = try Self.cgroupFinding(result)
            #expect(finding.status == .pass, "\(finding.message)")
            guard case .list(let hierarchies)? = finding.evidence["hierarchies"] else {
                Issue.record("no hierarchies in \(finding.evidence)")
                return
            }
            #expect(hierarchies.count == want.hierarchies, "\(hierarchies)")
            #expect(finding.evidence["batch_cgroup"] == .string(want.cgroup))

            // The audit JSON: batch_system, batch_cgroup, batch_pattern added; batch_job_id from the cgroup.
            let data = try JSONEncoder().encode(result)
            let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let jobJSON = try #require((document["jobs"] as? [[String: Any]])?.first)
            #expect(jobJSON["batch_system"] as? String == want.system)
            #expect(jobJSON["batch_cgroup"] as? String == want.cgroup)
            #expect(jobJSON["batch_pattern"] as? String == want.pattern)
            let batchID = jobJSON["batch_job_id"] as? [String: Any]
            if let id = want.jobID {
                #expect(batchID?["value"] as? String == id && batchID?["source"] as? String == "cgroup"
                        && batchID?["variable"] as? String == "SLURM_JOB_ID", "\(batchID ?? [:])")
            } else {
                #expect(batchID == nil, "the fixture's environment has no batch ID and HTCondor's cgroup names a slot")
            }
        }
    }

    @Test("a payload process moved out of one hierarchy fails, naming the process, the hierarchy and both paths",
          arguments: [("slurm-v1-hybrid", "12:cpuset:", "12:cpuset"), ("slurm-v1", "9:freezer:", "9:freezer"),
                      ("slurm-v2", "0::", "unified"), ("htcondor-v1", "10:memory:", "10:memory"),
                      ("htcondor-hybrid", "5:cpu,cpuacct:", "5:cpu,cpuacct"), ("htcondor-v2", "0::", "unified")])
    func escapeFromOneHierarchyFails(layout: String, line: String, hierarchy: String) throws {
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        try Self.withLayout(layout) { procRoot in
            let before = try String(contentsOfFile: "\(procRoot)/\(Self.pilot)/cgroup", encoding: .utf8)
            let pilotPath = try #require(before.split(separator: "\n").first { $0.hasPrefix(line) }).dropFirst(line.count)
            try Self.move(Self.payloadChild, in: procRoot, hierarchy: line, to: "/")
            let result = try EvaluatorFixtureTests.audit(procRoot: procRoot)
            let finding = try Self.cgroupFinding(result)
            #expect(finding.status == .fail)
            #expect(finding.pid == Self.payloadChild)
            #expect(finding.evidence["hierarchy"] == .string(hierarchy))
            #expect(finding.evidence["pilot_cgroup"] == .string(String(pilotPath)))
            #expect(finding.evidence["payload_cgroup"] == .string("/"))
            #expect(finding.evidence["escaped_processes"] == .integer(1))
            #expect(finding.message.contains("\(Self.payloadChild)") && finding.message.contains(hierarchy), "\(finding.message)")
        }
    }

    @Test("Slurm cgroup/v1 on a systemd host: the name=systemd line alone (slurmd.service) no longer hides the escape")
    func slurmV1EscapeBehindSlurmdService() throws {
        try Self.withLayout("slurm-v1-hybrid") { procRoot in
            // The payload child leaves the job in cpuset and freezer (as the issue did by hand);
            // on the name=systemd line pilot and payload are both in slurmd.service.
            try Self.move(Self.payloadChild, in: procRoot, hierarchy: "12:cpuset:", to: "/")
            try Self.move(Self.payloadChild, in: procRoot, hierarchy: "9:freezer:", to: "/")
            let finding = try Self.cgroupFinding(try EvaluatorFixtureTests.audit(procRoot: procRoot))
            #expect(finding.status == .fail)
            guard case .list(let escapes)? = finding.evidence["escapes"] else {
                Issue.record("no escapes in \(finding.evidence)")
                return
            }
            #expect(escapes == [.string("25630: 12:cpuset: / not under /slurm_wn01/uid_2001/job_4242/step_batch"),
                                .string("25630: 9:freezer: / not under /slurm_wn01/uid_2001/job_4242/step_batch")])
        }
    }

    @Test("a node with no batch cgroups: TRACE-CGROUP is skip with the reason, never pass; no batch job named")
    func noBatchCgroupsIsSkip() throws {
        try Self.withLayout("no-batch") { procRoot in
            let result = try EvaluatorFixtureTests.audit(procRoot: procRoot)
            let finding = try Self.cgroupFinding(result)
            #expect(finding.status == .skip)
            #expect(finding.message.contains("root cgroup of every hierarchy"), "\(finding.message)")
            #expect(result.jobs.first?.batch == nil)
        }
    }

    @Test("the pilot in the root cgroup but its wrapper in the job's: the wrapper's path is the reference")
    func wrapperHoldsTheJob() throws {
        // A site policy that knows the fixture's wrapper script (pilot-wrapper.sh).
        let site = """
            extends: \(PolicyFixtures.policy("wlcg-mupj.yaml"))
            id: test-site
            version: "1"
            pilots:
              wrappers: ["runpilot*-wrapper*", "pilot-wrapper.sh"]
            """
        let policy = try PolicyFixtures.withFiles(["site.yaml": site]) { try PolicyLoader.load(path: $0 + "/site.yaml") }
        try Self.withLayout("slurm-v2") { procRoot in
            try Self.move(Self.pilot, in: procRoot, hierarchy: "0::", to: "/")
            try Self.move(Self.payloadRoot, in: procRoot, hierarchy: "0::", to: "/")
            let snapshot = try ProcSampler(procRoot: procRoot).sample()
            let result = PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: procRoot)).audit(snapshot)
            #expect(result.jobs.first?.pilot?.wrapper?.pid == Self.wrapper)
            #expect(result.jobs.first?.batch?.pid == Self.wrapper)
            let finding = try Self.cgroupFinding(result)
            #expect(finding.status == .fail)
            #expect(finding.pid == Self.payloadRoot)
            #expect(finding.evidence["pilot_cgroup"] == .string("/system.slice/slurmstepd.scope/job_4242/step_batch/user/task_0"))
        }
    }

    @Test("the environment's batch ID disagrees with the cgroup's: the cgroup wins, TRACE-ATTR warns naming both")
    func environmentDisagreesWithCgroup() throws {
        try Self.withLayout("slurm-v1-hybrid") { procRoot in
            let environ = URL(fileURLWithPath: "\(procRoot)/\(Self.pilot)/environ")
            let original = try Data(contentsOf: environ)
            try (original + Data("SLURM_JOB_ID=4343\u{0}".utf8)).write(to: environ)
            let result = try EvaluatorFixtureTests.audit(procRoot: procRoot)
            let job = try #require(result.jobs.first)
            #expect(job.job.batchJobID == BatchJobID(variable: "SLURM_JOB_ID", value: "4343"))
            #expect(job.batchJobID == BatchJobID(variable: "SLURM_JOB_ID", value: "4242", source: .cgroup))
            let attribution = try #require(job.findings.first { $0.rule == "TRACE-ATTR" })
            #expect(attribution.status == .warn)
            #expect(attribution.message.contains("SLURM_JOB_ID=4343") && attribution.message.contains("4242"), "\(attribution.message)")
            #expect(attribution.evidence["environment_batch_job_id"] == .string("4343"))
            #expect(attribution.evidence["cgroup_batch_job_id"] == .string("4242"))

            // Agreement is a pass.
            try (original + Data("SLURM_JOB_ID=4242\u{0}".utf8)).write(to: environ)
            let agreed = try #require(try EvaluatorFixtureTests.audit(procRoot: procRoot).jobs.first?.findings.first { $0.rule == "TRACE-ATTR" })
            #expect(agreed.status == .pass)
        }
    }

    @Test("hostile cgroup names: a job-created cgroup below the batch one cannot rename the job; overlong paths match nothing")
    func hostileNames() throws {
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        let classifier = BatchCgroupClassifier(patterns: policy.batchSystems)
        func sample(_ pid: Int32, _ lines: [String]) -> ProcessSample {
            let stat = ProcessStat(pid: pid, comm: "bash", state: "S", ppid: 1, pgid: pid, sid: pid, flags: 0, startTicks: 1)
            let cgroups = lines.map { line in
                let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                return CgroupEntry(hierarchy: Int(parts[0])!, controllers: parts[1].isEmpty ? [] : parts[1].split(separator: ",").map(String.init),
                                   path: String(parts[2]))
            }
            return ProcessSample(identity: ProcessIdentity(bootID: "boot-1", pid: pid, startTicks: 1), stat: stat,
                                 startTime: UTCTime(millisecondsSinceEpoch: 10), cgroups: cgroups)
        }
        // HTCondor delegates the job's slice to the job: a Slurm-looking cgroup made inside it is
        // deeper than HTCondor's own, so the outermost (HTCondor's) names the job.
        let slice = "/system.slice/htcondor/condor_var_lib_condor_execute_slot1_1@wn01.slice"
        let nested = sample(10, ["0::\(slice)/job_999/step_batch/user"])
        let match = try #require(classifier.classify([nested]))
        #expect(match.system == "htcondor" && match.cgroup == slice && match.jobID == nil)
        // A path over the bound is not matched at all.
        let long = "/slurm/uid_1/job_7/step_batch/" + String(repeating: "x", count: 5000)
        #expect(classifier.classify([sample(11, ["4:freezer:\(long)"])]) == nil)
        // A v2 pattern never reads a v1 line, nor a v1 pattern the unified line.
        #expect(classifier.classify([sample(12, ["0::/pbs_jobs.service/jobid/7.server"])]) == nil)
        #expect(classifier.classify([sample(12, ["4:freezer:/pbs_jobs.service/jobid/7.server"])])?.jobID == "7.server")
        #expect(classifier.classify([sample(13, ["4:freezer:/system.slice/slurmstepd.scope/job_7/step_0/user"])])?.patternID == nil)
        // Control characters in a name are kept as data (escaped on output, never interpreted).
        let odd = sample(14, ["4:freezer:/slurm/uid_1/job_8/step_\u{1b}[31m"])
        #expect(classifier.classify([odd])?.jobID == "8")
    }
}
