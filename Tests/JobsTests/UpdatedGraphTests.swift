import Jobs
import ProcFS
import Testing

/// `ClassificationInput.updatedGraph`: whenever it follows a graph to the current processes, the
/// result is exactly what classifying them afresh gives (with the graph as the earlier sighting,
/// as the daemon classifies); and it follows what a busy payload does all the time (children
/// coming, going, exec'ing), not what changes the jobs themselves.
struct UpdatedGraphTests {
    static let patterns = PilotPatterns.default

    /// The update of `previous`'s graph to `current`, checked against a full classification.
    @discardableResult
    static func check(_ previous: [ProcessSample], _ current: [ProcessSample], followed expected: Bool,
                      sourceLocation: SourceLocation = #_sourceLocation) -> JobGraph? {
        let graph = JobClassifier(patterns: patterns).classify(previous)
        let updated = ClassificationInput.updatedGraph(graph, from: previous, for: current, patterns: patterns)
        #expect((updated != nil) == expected, sourceLocation: sourceLocation)
        if let updated {
            #expect(updated == JobClassifier(patterns: patterns).classify(current, earlier: graph), sourceLocation: sourceLocation)
        }
        return updated
    }

    static func tree() -> SampleBuilder { JobClassifierTests.pilot3Tree() }
    static let jobDirectory = "\(JobClassifierTests.pilotHome)/PanDA_Pilot-6402753124"
    static let payloadEnvironment = ["PANDAID": "6402753124", "PanDA_TaskID": "42", "PILOT_HOME": JobClassifierTests.pilotHome]

    static func index(_ pid: Int32, in tree: SampleBuilder) -> Int { tree.processes.firstIndex { $0.pid == pid }! }

    @Test func aPayloadChildComingAndGoingIsFollowed() throws {
        let before = Self.tree()
        var after = before
        after.processes.remove(at: Self.index(25630, in: after))
        after.add(30100, parent: 25628, sid: 25625, argv: ["/bin/true"], cwd: Self.jobDirectory, env: Self.payloadEnvironment)
        after.add(30101, parent: 30100, sid: 25625, argv: ["/bin/true"], cwd: "/tmp")
        let graph = try #require(Self.check(before.processes, after.processes, followed: true))
        #expect(graph.jobs[0].processes.map(\.pid) == [25625, 25628, 25629, 30100, 30101])
    }

    @Test func aPayloadChildThatExecsIsFollowed() {
        let before = Self.tree()
        var after = before
        after.processes[Self.index(25630, in: after)].arguments = ["/usr/bin/python3", "/opt/pilot3/pilot.py"]
        after.processes[Self.index(25629, in: after)].cwd = LinkTarget(path: "/scratch/PanDA_Pilot-1111111111", deleted: false)
        Self.check(before.processes, after.processes, followed: true)
    }

    @Test func aNewChildClaimingAnotherJobIsItsParentsJobAndASpoof() throws {
        let before = Self.tree()
        var after = before
        after.add(30110, parent: 25630, argv: ["/bin/sh"], cwd: "/scratch/PanDA_Pilot-1111111111", env: ["PANDAID": "1111111111"])
        let graph = try #require(Self.check(before.processes, after.processes, followed: true))
        #expect(graph.jobs[0].spoofs == [SpoofedClaim(pid: 30110, claimedPandaID: "1111111111", variable: "PANDAID")])
    }

    @Test func aNewContainerRuntimeInAJobIsFollowed() throws {
        let before = Self.tree()
        var after = before
        after.add(30120, parent: 25628, sid: 25625, argv: ["apptainer", "exec", "/cvmfs/images/el9.sif", "run.sh"], cwd: Self.jobDirectory)
        after.add(30121, parent: 30120, sid: 25625, argv: ["run.sh"], cwd: Self.jobDirectory)
        let graph = try #require(Self.check(before.processes, after.processes, followed: true))
        #expect(graph.jobs[0].containers[30121]?.runtime == "apptainer")
    }

    @Test func whatChangesTheJobsIsClassifiedAfresh() {
        let before = Self.tree()
        var rootExecs = before
        rootExecs.processes[Self.index(25625, in: rootExecs)].arguments = ["/bin/sleep", "1"]
        Self.check(before.processes, rootExecs.processes, followed: false)
        var pilotChild = before
        pilotChild.add(30130, parent: 25588, argv: ["/usr/bin/lscpu"], cwd: JobClassifierTests.pilotHome)
        Self.check(before.processes, pilotChild.processes, followed: false)
        var helperGone = before
        helperGone.processes.remove(at: Self.index(25700, in: helperGone))
        Self.check(before.processes, helperGone.processes, followed: false)
        // The pilot, subreaper of its payloads, adopts an orphan: it stays in the job by its session.
        var adopted = before
        adopted.processes.remove(at: Self.index(25628, in: adopted))
        adopted.processes[Self.index(25630, in: adopted)].stat.ppid = 25588
        Self.check(before.processes, adopted.processes, followed: false)
        // A payload child's PID taken by another process.
        var reused = before
        reused.processes.remove(at: Self.index(25630, in: reused))
        reused.add(25630, parent: 25628, sid: 25625, argv: ["/bin/true"], cwd: Self.jobDirectory, startTicks: 999_999)
        Self.check(before.processes, reused.processes, followed: false)
        // A payload child whose parent went and who was not reparented yet (a torn read).
        var dangling = before
        dangling.processes.remove(at: Self.index(25628, in: dangling))
        Self.check(before.processes, dangling.processes, followed: false)
        // A new process outside every job that claims one.
        var claimant = before
        claimant.add(30131, parent: 1, argv: ["/bin/sleep", "600"], env: ["PANDAID": "6402753124"])
        Self.check(before.processes, claimant.processes, followed: false)
        // Two processes with one PID.
        var twice = before
        twice.add(25630, parent: 25628, sid: 25625, argv: ["/bin/true"], cwd: Self.jobDirectory, startTicks: 999_998)
        Self.check(before.processes, twice.processes, followed: false)
    }

    @Test func aJobWithAnAdoptedOrphanIsClassifiedAfresh() {
        var before = Self.tree()
        before.add(30140, parent: 25588, sid: 25625, argv: ["/bin/sleep", "600"], cwd: Self.jobDirectory)
        var after = before
        after.add(30141, parent: 30140, sid: 25625, argv: ["/bin/true"], cwd: Self.jobDirectory)
        Self.check(before.processes, after.processes, followed: false)
    }

    /// Two roots of one PanDA ID under one pilot are one job, made of both: the second one going
    /// takes its evidence and claims with it, which only a classification tells.
    @Test func aSecondRootOfTheSameJobGoingIsClassifiedAfresh() throws {
        var before = Self.tree()
        before.add(30160, parent: 25588, argv: ["/bin/bash", "again.sh"], cwd: Self.jobDirectory, env: ["PANDAID": "1111111111"])
        let merged = try #require(JobClassifier().classify(before.processes).jobs.first)
        #expect(merged.processes.map(\.pid).contains(30160) && merged.rootPID == 25625)
        var after = before
        after.processes.remove(at: Self.index(30160, in: after))
        Self.check(before.processes, after.processes, followed: false)
    }

    @Test func aRootRecognisedByItsExecEnvironmentIsClassifiedAfresh() {
        var before = Self.tree()
        before.processes[Self.index(25625, in: before)].cwd = LinkTarget(path: "/tmp", deleted: false)
        #expect(JobClassifier().classify(before.processes).jobs.first?.rootRecognition == .execEnvironment)
        var after = before
        after.add(30150, parent: 25628, sid: 25625, argv: ["/bin/true"], cwd: Self.jobDirectory)
        Self.check(before.processes, after.processes, followed: false)
    }

    /// Random nodes and random changes: every update followed equals a full classification, over
    /// three cycles in a row (each cycle's graph is the last one's update, or a classification).
    @Test func randomChangesFollowedAreAFullClassification() {
        var random = SplitMix64(seed: 0x1507_7ACE)
        var followed = 0, steps = 0
        for _ in 0..<400 {
            var node = RandomNode(random: &random)
            var processes = node.samples()
            var graph = JobClassifier(patterns: Self.patterns).classify(processes)
            for _ in 0..<3 {
                node.change(random: &random)
                let current = node.samples()
                let full = JobClassifier(patterns: Self.patterns).classify(current, earlier: graph)
                steps += 1
                if let updated = ClassificationInput.updatedGraph(graph, from: processes, for: current, patterns: Self.patterns) {
                    followed += 1
                    #expect(updated == full, "node \(node.description)")
                    if updated != full { return }
                }
                (processes, graph) = (current, full)
            }
        }
        // Most changes fall on a payload's processes: the update follows a good share of them.
        print("updatedGraph followed \(followed) of \(steps) random changes")
        #expect(followed * 6 >= steps)
        #expect(followed < steps)
    }
}

/// A small deterministic generator, so that a failure is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A node of pilots (under wrappers) with helpers and jobs, payload processes (some in
/// containers, some claiming other jobs, some adopted orphans, now and then a second root of the
/// same PanDA ID) and processes outside every pilot; and the changes a node sees.
struct RandomNode: CustomStringConvertible {
    struct Spec {
        var pid: Int32, ppid: Int32, sid: Int32
        var argv: [String]
        var cwd: String
        var env: [String: String] = [:]
        var ticks: UInt64
    }

    var specs: [Spec] = []
    var nextPID: Int32 = 100
    var payloads: [Int32] = []
    var pilots: [Int32] = []
    var pandaIDs: [String] = []

    static let commands: [[String]] = [["/bin/true"], ["/bin/sleep", "60"], ["/usr/bin/python3", "run.py"],
                                       ["apptainer", "exec", "/cvmfs/el9.sif", "x"], ["/bin/bash", "-c", "export PandaID=5555555555; x"]]

    init(random: inout SplitMix64) {
        specs.append(Spec(pid: 1, ppid: 0, sid: 1, argv: ["/sbin/init"], cwd: "/", ticks: 1))
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let wrapper = add(parent: 1, argv: ["/bin/bash", "/w/runpilot3-wrapper.sh", "/opt/pilot3/pilot.py"], cwd: "/w")
            let home = "/w/PanDA_Pilot3_\(wrapper)"
            let pilot = add(parent: wrapper, sid: wrapper, argv: JobClassifierTests.pilotArgv, cwd: home)
            pilots.append(pilot)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let pandaID = String(Int.random(in: 1_000_000_000...9_999_999_999, using: &random))
                pandaIDs.append(pandaID)
                let env = ["PANDAID": pandaID]
                let directory = "\(home)/PanDA_Pilot-\(pandaID)"
                var job = [add(parent: pilot, argv: ["/bin/bash", "run.sh"], cwd: directory, env: env)]
                if Int.random(in: 0..<6, using: &random) == 0 {
                    job.append(add(parent: pilot, argv: ["/bin/bash", "again.sh"], cwd: directory, env: env))
                }
                for _ in 0..<Int.random(in: 0...6, using: &random) {
                    let parent = job.randomElement(using: &random)!
                    let sid = specs.first { $0.pid == parent }!.sid
                    let spoof = Int.random(in: 0..<8, using: &random) == 0 ? ["PANDAID": "1111111111"] : env
                    job.append(add(parent: parent, sid: sid, argv: Self.commands.randomElement(using: &random)!,
                                   cwd: Bool.random(using: &random) ? directory : "/tmp", env: spoof))
                }
                if Int.random(in: 0..<5, using: &random) == 0 {
                    job.append(add(parent: pilot, sid: job[0], argv: ["/bin/sleep", "600"], cwd: directory, env: env))
                }
                payloads += job
            }
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                add(parent: pilot, argv: ["/bin/ps", "axo", "pid"], cwd: home, env: ["PANDAID": pandaIDs.last!])
            }
        }
        var outside: [Int32] = [1]
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            outside.append(add(parent: outside.randomElement(using: &random)!, argv: ["/usr/sbin/cron", "-f"], cwd: "/"))
        }
    }

    @discardableResult
    mutating func add(parent: Int32, sid: Int32? = nil, argv: [String], cwd: String, env: [String: String] = [:]) -> Int32 {
        let pid = nextPID
        nextPID += 1
        specs.append(Spec(pid: pid, ppid: parent, sid: sid ?? pid, argv: argv, cwd: cwd, env: env, ticks: UInt64(pid) * 7))
        return pid
    }

    /// One to four changes, most on payload processes.
    mutating func change(random: inout SplitMix64) {
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let onPayload = Int.random(in: 0..<10, using: &random) < 7
            let living = payloads.filter { pid in specs.contains { $0.pid == pid } }
            guard let target = (onPayload && !living.isEmpty ? living.randomElement(using: &random) : specs.randomElement(using: &random)?.pid),
                  let at = specs.firstIndex(where: { $0.pid == target })
            else { continue }
            switch Int.random(in: 0..<9, using: &random) {
            case 0, 1, 2:
                let spec = specs[at]
                let child = add(parent: spec.pid, sid: Bool.random(using: &random) ? spec.sid : nil,
                                argv: Self.commands.randomElement(using: &random)!,
                                cwd: Int.random(in: 0..<4, using: &random) == 0 ? "/scratch/PanDA_Pilot-2222222222" : spec.cwd,
                                env: Int.random(in: 0..<6, using: &random) == 0 ? ["PANDAID": "2222222222"] : spec.env)
                if onPayload { payloads.append(child) }
            case 3, 4:
                guard target != 1 else { continue }
                let gone = specs.remove(at: at)
                // Orphans go to the nearest pilot above (the subreaper), to init, or are read before that.
                let reaper = Int.random(in: 0..<3, using: &random)
                let pilot = ancestorPilot(of: gone.ppid)
                for index in specs.indices where specs[index].ppid == gone.pid {
                    if reaper == 0 { specs[index].ppid = pilot ?? 1 } else if reaper == 1 { specs[index].ppid = 1 }
                }
            case 5:
                specs[at].argv = Self.commands.randomElement(using: &random)!
            case 6:
                specs[at].cwd = Bool.random(using: &random) ? "/tmp" : "/scratch/PanDA_Pilot-3333333333"
            case 7:
                guard target != 1 else { continue }
                let old = specs.remove(at: at)
                let parent = specs.randomElement(using: &random)!.pid
                specs.append(Spec(pid: old.pid, ppid: parent, sid: old.pid, argv: ["/bin/true"], cwd: old.cwd, env: old.env,
                                  ticks: old.ticks + 100_000))
            default:
                specs[at].sid = specs[at].pid
            }
        }
    }

    func ancestorPilot(of pid: Int32) -> Int32? {
        var at = pid
        for _ in 0..<specs.count {
            if pilots.contains(at) { return at }
            guard let spec = specs.first(where: { $0.pid == at }) else { return nil }
            at = spec.ppid
        }
        return nil
    }

    func samples() -> [ProcessSample] {
        var builder = SampleBuilder()
        for spec in specs.sorted(by: { $0.pid < $1.pid }) {
            builder.add(spec.pid, parent: spec.ppid, sid: spec.sid, argv: spec.argv, cwd: spec.cwd, env: spec.env, startTicks: spec.ticks)
        }
        return builder.processes
    }

    var description: String {
        specs.map { "\($0.pid)<\($0.ppid) s\($0.sid) \($0.argv.first ?? "") \($0.cwd)" }.joined(separator: "; ")
    }
}
