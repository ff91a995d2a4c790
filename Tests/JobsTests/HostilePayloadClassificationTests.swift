import Jobs
import ProcFS
import Testing

/// Issue 21, findings 1 and 2: what a payload controls (its working directory, the environment it
/// execs with) cannot take it out of its job or choose the batch job ID shown for it.
struct HostilePayloadClassificationTests {
    static let home = JobClassifierTests.pilotHome
    static let jobDirectory = "\(home)/PanDA_Pilot-6402753124"

    /// The observed pilot3 tree with the payload root (and its children) moved by `cd` to `cwd`.
    static func tree(rootCwd cwd: String, rootEnv: [String: String]? = nil) -> SampleBuilder {
        var tree = SampleBuilder()
        for process in JobClassifierTests.pilot3Tree().processes {
            let moved = [25625, 25628, 25629, 25630].contains(process.pid)
            var env = process.environment ?? [:]
            if process.pid == 25625, let rootEnv { env = rootEnv }
            tree.add(process.pid, parent: process.stat.ppid, sid: process.stat.sid, pgid: process.stat.pgid, argv: process.arguments ?? [],
                     cwd: moved ? cwd : process.cwd?.path ?? "/", uid: process.status?.uids[0] ?? 0, env: env)
        }
        return tree
    }

    /// `bash -c 'sleep 2; cd /tmp; sleep 150'` in the job directory: still job 6402753124, by the
    /// environment the pilot gave the root at exec, and said so (the root is outside its job directory).
    @Test func payloadRootThatLeftItsJobDirectoryStaysAJob() throws {
        let graph = JobClassifier().classify(Self.tree(rootCwd: "/tmp").processes)
        let job = try #require(graph.jobs.first)
        #expect(graph.jobs.count == 1)
        #expect(job.pandaID == "6402753124")
        #expect(job.rootPID == 25625)
        #expect(job.processes.map(\.pid) == [25625, 25628, 25629, 25630])
        #expect(job.rootRecognition == .execEnvironment)
        #expect(job.jobDirectory == Self.jobDirectory, "the pilot's job directory, not where the root runs now")
        #expect(job.evidence == [AttributionEvidence(source: .rootEnvironment, pandaID: "6402753124", detail: "PANDAID")])
        #expect(graph.pilots[0].pilotSidePIDs == [25700], "only the ps helper (in PILOT_HOME) is pilot side")
    }

    /// A root that went into a subdirectory of its job directory is still recognised by it.
    @Test func payloadRootInASubdirectoryOfItsJobDirectory() throws {
        let job = try #require(JobClassifier().classify(Self.tree(rootCwd: Self.jobDirectory + "/work/run").processes).jobs.first)
        #expect(job.pandaID == "6402753124")
        #expect(job.rootRecognition == .jobDirectory)
        #expect(job.jobDirectory == Self.jobDirectory)
    }

    /// The daemon keeps a root by identity: even in PILOT_HOME, where the one-shot audit cannot
    /// tell it from a helper, and even after an exec that changed its environment.
    @Test func earlierSightingKeepsTheRootWhereverItGoes() throws {
        let classifier = JobClassifier()
        let first = classifier.classify(JobClassifierTests.pilot3Tree().processes)
        let moved = Self.tree(rootCwd: Self.home, rootEnv: ["PANDAID": "7700000009", "PanDA_TaskID": "1"]).processes
        #expect(classifier.classify(moved).jobs.isEmpty, "one-shot: a session leader in PILOT_HOME is a helper")
        let graph = classifier.classify(moved, earlier: first)
        let job = try #require(graph.jobs.first)
        #expect(graph.jobs.count == 1)
        #expect(job.pandaID == "6402753124")
        #expect(job.rootRecognition == .earlierSighting)
        #expect(job.taskID == "42", "task as first seen, not what the payload exec'd with")
        #expect(job.processes.map(\.pid) == [25625, 25628, 25629, 25630])
        #expect(job.conflicts == [AttributionEvidence(source: .rootEnvironment, pandaID: "7700000009", detail: "PANDAID")])
        #expect(graph.pilots[0].pilotSidePIDs == [25700])
        // Kept across cycles: the graph that kept it keeps it again.
        #expect(classifier.classify(moved, earlier: graph).jobs.first?.rootRecognition == .earlierSighting)
    }

    /// A PID reused by another process is not the root seen before.
    @Test func earlierSightingNeedsTheSameIdentity() {
        let first = JobClassifier().classify(JobClassifierTests.pilot3Tree().processes)
        var reused = SampleBuilder()
        for process in Self.tree(rootCwd: Self.home).processes {
            reused.add(process.pid, parent: process.stat.ppid, sid: process.stat.sid, pgid: process.stat.pgid, argv: process.arguments ?? [],
                       cwd: process.cwd?.path ?? "/", env: process.environment ?? [:],
                       startTicks: process.pid == 25625 ? 999_999 : nil)
        }
        #expect(JobClassifier().classify(reused.processes, earlier: first).jobs.isEmpty)
    }

    /// A session leader below the pilot with a PANDAID that names no job, outside the job directory
    /// and PILOT_HOME: neither payload nor helper, so never silently pilot side.
    @Test func pilotDescendantThatFitsNeitherIsReported() throws {
        var tree = JobClassifierTests.pilot3Tree()
        tree.add(25800, parent: 25588, argv: ["./x"], cwd: "/tmp", env: ["PANDAID": "\u{1B}]52;c;ZXZpbA==\u{07}"])
        let graph = JobClassifier().classify(tree.processes)
        let stray = try #require(graph.unattributed.first { $0.process.pid == 25800 })
        #expect(stray.claimSource.contains("below pilot 25588"))
        #expect(!graph.pilots[0].pilotSidePIDs.contains(25800))
        #expect(graph.jobs.map(\.pandaID) == ["6402753124"])
    }

    /// The batch job ID comes from the pilot's side (pilot and wrapper environment), never from
    /// the payload root's environment, which the payload can choose with `exec env`.
    @Test func batchJobIDNeverComesFromThePayloadRoot() throws {
        var env = JobClassifierTests.pilot3Tree().processes.first { $0.pid == 25625 }!.environment!
        env["SLURM_JOB_ID"] = "666\u{1B}[2J"
        env["HTCondor_Job_ID"] = "forged.0"
        let job = try #require(JobClassifier().classify(Self.tree(rootCwd: Self.jobDirectory, rootEnv: env).processes).jobs.first)
        #expect(job.batchJobID == BatchJobID(variable: "_CONDOR_JOB_AD", value: "/var/lib/condor/execute/dir_1/.job.ad"))
    }
}
