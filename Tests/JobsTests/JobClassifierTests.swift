import Jobs
import ProcFS
import Testing

/// Trees shaped as ../shared/reference/panda-pilot.md and pilot3-observed.md describe them.
struct JobClassifierTests {
    static let work = "/home/isopilot/work"
    static let pilotHome = "\(work)/PanDA_Pilot3_25588_1795671853"
    static let pilotArgv = ["/usr/bin/python3", "/opt/pilot3/pilot.py", "-q", "LOCAL_TEST", "--pilot-user", "generic"]

    /// The observed pilot3 tree: wrapper -> pilot -> payload root in the job dir -> children,
    /// plus the pilot's `ps` helper: a session leader with PANDAID, but in PILOT_HOME.
    static func pilot3Tree() -> SampleBuilder {
        var tree = SampleBuilder()
        tree.add(1, parent: 0, argv: ["/sbin/init"], uid: 0)
        tree.add(25584, parent: 1, argv: ["/bin/bash", "\(work)/runpilot3-wrapper.sh", "/usr/bin/python3", "/opt/pilot3/pilot.py"], cwd: work,
                 env: ["_CONDOR_JOB_AD": "/var/lib/condor/execute/dir_1/.job.ad"])
        tree.add(25588, parent: 25584, sid: 25584, pgid: 25588, argv: pilotArgv, cwd: pilotHome,
                 env: ["X509_USER_PROXY": "/tmp/x509up_u2001"])
        let payloadEnv = ["PANDAID": "6402753124", "PanDA_TaskID": "42", "PILOT_HOME": pilotHome]
        let jobDir = "\(pilotHome)/PanDA_Pilot-6402753124"
        tree.add(25625, parent: 25588, argv: ["/bin/bash", "./runtest.sh", "--iso-test", "1"], cwd: jobDir, env: payloadEnv)
        tree.add(25628, parent: 25625, sid: 25625, argv: ["/bin/bash", "-c", "sleep 600; echo child-done"], cwd: jobDir, env: payloadEnv)
        tree.add(25630, parent: 25628, sid: 25625, argv: ["sleep", "600"], cwd: jobDir, env: payloadEnv)
        tree.add(25629, parent: 25625, sid: 25625, argv: ["sleep", "600"], cwd: "/tmp", env: payloadEnv)
        tree.add(25700, parent: 25588, argv: ["/bin/bash", "-c", "ps axo pgid,psr | sort | grep 25625 | uniq | wc -l"],
                 cwd: pilotHome, env: payloadEnv)
        return tree
    }

    @Test func pilot3TreeHasOneJobWithItsFourProcesses() throws {
        let graph = JobClassifier().classify(Self.pilot3Tree().processes)
        #expect(graph.pilots.map(\.pid) == [25588])
        #expect(graph.pilots[0].wrapper?.pid == 25584)
        #expect(graph.pilots[0].pilotSidePIDs == [25700])
        #expect(graph.pilots[0].batchJobID == BatchJobID(variable: "_CONDOR_JOB_AD", value: "/var/lib/condor/execute/dir_1/.job.ad"))
        let job = try #require(graph.jobs.first)
        #expect(graph.jobs.count == 1)
        #expect(job.pandaID == "6402753124")
        #expect(job.taskID == "42")
        #expect(job.rootPID == 25625)
        #expect(job.pilotPID == 25588)
        #expect(job.processes.map(\.pid) == [25625, 25628, 25629, 25630])
        #expect(job.jobDirectory.hasSuffix("/PanDA_Pilot-6402753124"))
        #expect(job.conflicts.isEmpty && job.spoofs.isEmpty)
        #expect(job.evidence.map(\.source) == [.jobDirectory, .rootEnvironment])
        #expect(graph.unattributed.isEmpty)
    }

    /// The ATLAS tree from the 2019 containers talk, with Apptainer: runpilot2-wrapper -> python
    /// pilot.py -> bash -c (export PandaID=...) -> Apptainer runtime parent -> appinit -> runAthena -> athena.py.
    @Test func atlasApptainerTreeRecordsRuntimeAndImage() throws {
        var tree = SampleBuilder()
        let home = "/pool/condor/dir_7/PanDA_Pilot2_1000_1700000000"
        let jobDir = "\(home)/PanDA_Pilot-4267387837"
        let image = "/cvmfs/atlas.cern.ch/repo/containers/fs/singularity/x86_64-centos7"
        tree.add(1000, parent: 1, argv: ["/bin/bash", "./runpilot2-wrapper.sh", "-q", "ANALY_TEST", "-j", "user"], cwd: "/pool/condor/dir_7")
        tree.add(1001, parent: 1000, sid: 1000, argv: ["python", "pilot2/pilot.py", "-q", "ANALY_TEST", "-i", "PR", "--pilot-user=ATLAS"], cwd: home,
                 env: ["HARVESTER_ID": "CERN_central_A"])
        tree.add(1100, parent: 1001, argv: ["bash", "-c", "export PandaID=4267387837; export PanDA_TaskID=31337; export PanDA_AttemptNr=2; source setup.sh; apptainer exec -C \(image) ./runAthena"],
                 cwd: jobDir, env: ["PANDAID": "4267387837", "HTCondor_Job_ID": "cern.ch#123.0#1700000000"])
        tree.add(1101, parent: 1100, sid: 1100, argv: ["Apptainer runtime parent: \(image)"], cwd: jobDir, comm: "Apptainer runtime")
        tree.add(1102, parent: 1101, sid: 1100, argv: ["appinit"], cwd: "/srv", pidNS: 4026532500)
        tree.add(1103, parent: 1102, sid: 1100, argv: ["python", "-u", "./runAthena-00-00-12", "--trf"], cwd: "/srv", pidNS: 4026532500)
        tree.add(1104, parent: 1103, sid: 1100, argv: ["python", "/cvmfs/atlas.cern.ch/repo/sw/athena.py", "jobOptions.py"], cwd: "/srv", pidNS: 4026532500)

        let graph = JobClassifier().classify(tree.processes)
        let job = try #require(graph.jobs.first)
        #expect(graph.pilots.map(\.pid) == [1001])
        #expect(job.pandaID == "4267387837")
        #expect(job.taskID == "31337")
        #expect(job.attemptNumber == "2")
        #expect(job.processes.map(\.pid) == [1100, 1101, 1102, 1103, 1104])
        #expect(job.evidence.map(\.source) == [.jobDirectory, .rootEnvironment, .commandLine])
        #expect(job.conflicts.isEmpty)
        #expect(job.container == ContainerInfo(runtime: "apptainer", process: "Apptainer runtime parent", image: image))
        #expect(job.containers[1104]?.runtime == "apptainer")
        #expect(job.containers[1100] == nil)
        // HTCondor_Job_ID is only in the payload root's environment, which the payload can set
        // with `exec env`: not the batch system's word (issue 21). Nothing on the pilot's side here.
        #expect(job.batchJobID == nil)
    }

    @Test func twoJobsUnderTwoPilotsShareUidAndPidNamespace() {
        var tree = SampleBuilder()
        for (offset, id) in [(0, "1111111111"), (100, "2222222222")] {
            let base = Int32(2000 + offset)
            let home = "/work/PanDA_Pilot3_\(base)_1"
            tree.add(base, parent: 1, argv: Self.pilotArgv, cwd: home)
            tree.add(base + 1, parent: base, argv: ["/bin/bash", "-c", "./payload"], cwd: "\(home)/PanDA_Pilot-\(id)", env: ["PANDAID": id])
        }
        let graph = JobClassifier().classify(tree.processes)
        #expect(graph.pilots.map(\.pid) == [2000, 2100])
        #expect(graph.jobs.map(\.pandaID) == ["1111111111", "2222222222"])
        #expect(graph.jobs.map(\.pilotPID) == [2000, 2100])
    }

    @Test func spoofedPandaIDStaysInItsRealJobAndIsReported() throws {
        var tree = Self.pilot3Tree()
        tree.add(25640, parent: 25628, sid: 25625, argv: ["python3", "evil.py"], cwd: "/tmp", env: ["PANDAID": "9999999999"])
        let graph = JobClassifier().classify(tree.processes)
        let job = try #require(graph.jobs.first)
        #expect(graph.jobs.count == 1)
        #expect(job.processes.map(\.pid).contains(25640))
        #expect(job.spoofs == [SpoofedClaim(pid: 25640, claimedPandaID: "9999999999", variable: "PANDAID")])
    }

    @Test func rootEnvironmentDisagreeingWithJobDirectoryIsAConflict() throws {
        var tree = SampleBuilder()
        tree.add(3000, parent: 1, argv: Self.pilotArgv, cwd: "/w/PanDA_Pilot3_3000_1")
        tree.add(3001, parent: 3000, argv: ["/bin/bash", "-c", "run"], cwd: "/w/PanDA_Pilot3_3000_1/PanDA_Pilot-5555555555", env: ["PANDAID": "6666666666"])
        let job = try #require(JobClassifier().classify(tree.processes).jobs.first)
        #expect(job.pandaID == "5555555555")
        #expect(job.conflicts == [AttributionEvidence(source: .rootEnvironment, pandaID: "6666666666", detail: "PANDAID")])
    }

    @Test func processEscapedToInitIsUnattributed() throws {
        var tree = Self.pilot3Tree()
        tree.add(26000, parent: 1, sid: 26000, argv: ["./miner"], cwd: "\(Self.pilotHome)/PanDA_Pilot-6402753124/sub",
                 env: ["PANDAID": "6402753124"])
        tree.add(26001, parent: 1, argv: ["./hidden"], cwd: "\(Self.pilotHome)/PanDA_Pilot-6402753124/sub")
        let graph = JobClassifier().classify(tree.processes)
        #expect(graph.unattributed.map(\.process.pid) == [26000, 26001])
        #expect(graph.unattributed.map(\.claimSource) == ["PANDAID", "job_directory"])
        #expect(graph.unattributed.map(\.claimedPandaID) == ["6402753124", "6402753124"])
        #expect(graph.jobs.first?.processes.map(\.pid) == [25625, 25628, 25629, 25630])
    }

    /// The pilot is the payload's subreaper: an orphan re-parented to it keeps its payload session.
    @Test func orphanReparentedToThePilotStaysInItsJob() throws {
        var tree = Self.pilot3Tree()
        tree.add(25650, parent: 25588, sid: 25625, argv: ["sleep", "600"], cwd: "/tmp")
        tree.add(25651, parent: 25650, sid: 25625, argv: ["sleep", "601"], cwd: "/tmp")
        let graph = JobClassifier().classify(tree.processes)
        let job = try #require(graph.jobs.first)
        #expect(job.processes.map(\.pid) == [25625, 25628, 25629, 25630, 25650, 25651])
        #expect(graph.pilots[0].pilotSidePIDs == [25700])
    }

    @Test func pilotWithoutPayloadHasNoJob() {
        var tree = SampleBuilder()
        tree.add(4000, parent: 1, argv: ["/bin/bash", "runpilot3-wrapper.sh"], cwd: "/w")
        tree.add(4001, parent: 4000, argv: Self.pilotArgv, cwd: "/w/PanDA_Pilot3_4001_1")
        tree.add(4002, parent: 4001, argv: ["lscpu"], cwd: "/w/PanDA_Pilot3_4001_1")
        let graph = JobClassifier().classify(tree.processes)
        #expect(graph.pilots.map(\.pid) == [4001])
        #expect(graph.pilots[0].pilotSidePIDs == [4002])
        #expect(graph.jobs.isEmpty)
        #expect(graph.unattributed.isEmpty)
    }

    /// A payload cannot make itself a pilot by running something called pilot.py.
    @Test func pilotLookalikeInsideAPayloadIsPayload() throws {
        var tree = Self.pilot3Tree()
        tree.add(25660, parent: 25625, sid: 25625, argv: ["python3", "pilot.py"], cwd: "/tmp")
        tree.add(25661, parent: 25660, argv: ["bash"], cwd: "/tmp/PanDA_Pilot-1234")
        let graph = JobClassifier().classify(tree.processes)
        #expect(graph.pilots.map(\.pid) == [25588])
        #expect(graph.jobs.count == 1)
        #expect(graph.jobs[0].processes.map(\.pid).contains(25661))
    }

    /// The same PID in two samples with different start ticks is two processes: identity, not PID.
    @Test func pidReuseAcrossSamplesGivesDifferentIdentities() throws {
        let first = JobClassifier().classify(Self.pilot3Tree().processes)
        var reused = SampleBuilder()
        reused.add(1, parent: 0, argv: ["/sbin/init"], uid: 0)
        reused.add(25629, parent: 1, argv: ["/usr/sbin/cron"], cwd: "/", uid: 0, startTicks: 999_999)
        let second = JobClassifier().classify(reused.processes)
        let before = try #require(first.jobs.first?.processes.first { $0.pid == 25629 })
        let after = try #require(reused.processes.first { $0.pid == 25629 })
        #expect(before.identity != after.identity)
        #expect(second.jobs.isEmpty && second.unattributed.isEmpty)
    }

    @Test(arguments: [
        (["/usr/bin/python3", "/opt/pilot3/pilot.py", "-q", "X"], true),
        (["python", "-u", "pilot2/pilot.py"], true),
        (["python3.11", "pilot.py"], true),
        (["/bin/bash", "./runpilot2-wrapper.sh", "-q", "X"], true),
        (["runpilot3-wrapper.sh"], true),
        (["python3", "notpilot.py"], false),
        (["/bin/cat", "pilot.py"], false),
        (["python3", "-c", "import pilot"], false),
    ])
    func pilotPatterns(argv: [String], expected: Bool) {
        #expect(PilotPatterns.default.isPilot(argv) == expected)
    }

    @Test func jobDirectoryNeedsDigitsAfterThePrefix() {
        let patterns = PilotPatterns.default
        #expect(patterns.jobDirectoryID("/w/PanDA_Pilot-42")?.id == "42")
        #expect(patterns.jobDirectoryID("/w/PanDA_Pilot-42/sub") == nil)
        #expect(patterns.jobDirectoryID("/w/PanDA_Pilot-42/sub", innermostOnly: false)?.id == "42")
        #expect(patterns.jobDirectoryID("/w/PanDA_Pilot-4x2") == nil)
        #expect(patterns.jobDirectoryID("/w/PanDA_Pilot3_1_2") == nil)
    }
}
