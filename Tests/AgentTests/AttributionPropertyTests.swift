import Agent
import Base
import ProcFS
import TestSupport
import Testing

/// Attribution by ancestry on random process trees, replayable from a seed: three payloads of one
/// pilot (each with children from before the event source started, known from samples only) and
/// the pilot itself (its children are pilot side; now and then one execs as a session leader in a
/// job directory, a new job's payload root) fork, exec and end at random; PIDs come from a
/// small pool, so they are reused within a run; a process that ends before its children leaves
/// them to init (a double fork) or to its job's root (a subreaper); some start a new session
/// outside any job directory; some die by a signal, and now
/// and then the pilot stops a job it started (its root killed, then everything below it, a cycle
/// sometimes coming in between). Samples and events-only cycles
/// come between at random, as the daemon hands them over (some events-only cycles give up, leaving
/// all to the next sample). Whatever the order: every process the events record carries the job
/// of the payload root it descends from (or is pilot side), once; every one no sample saw is
/// recorded, with one exit entry; none a sample saw is recorded again; exactly the payload
/// processes that led a new session, and those whose fork the events saw and that init took over,
/// are reported escaped, once each, but for those a signal killed within 2 s of their parent's
/// end (a job being stopped);
/// nothing is unattributable.
@Suite struct AttributionPropertyTests {
    static let node = NodeFacts(bootID: "boot", bootTime: 1_795_000_000, clockTicksPerSecond: 100)
    static let pilot = EventAttributorTests.pilot
    static let pilotSide = EventAttributorTests.pilotSideHelper
    static let roots: [TrackedProcess] = (0..<3).map { job in
        var root = EventAttributorTests.root
        root.identity = EventAttributorTests.identity(200 + Int32(job))
        root.pandaID = "\(4_267_387_837 + job)"
        return root
    }

    static let initProcess = EventAttributorTests.identity(1)

    /// One process of the simulated node.
    struct Simulated {
        var identity: ProcessIdentity
        var parent: ProcessIdentity
        var job: Int
        /// Its fork was an event (not a process from before the event source started).
        var forkSeen = true
        /// Who took it over when its parent ended first: init, or its job's root (a subreaper).
        var reaper: ProcessIdentity?
        var sampled = false
        /// When it ended (boot-clock nanoseconds) and its exit status.
        var endTime: UInt64?
        var status: Int32 = 0
        /// It ran something as the leader of a new session outside any job directory (setsid).
        var newSession = false
        /// Its parent now.
        var currentParent: ProcessIdentity { reaper ?? parent }
    }

    /// The node, the events not yet read, and what the attributor said.
    struct Run {
        var random: SplitMix64
        var attributor = EventAttributor()
        var processes: [ProcessIdentity: Simulated] = [:]
        var live: [Int32: ProcessIdentity] = [:]
        var pending: [ProcessEvent] = []
        var ticks: UInt64 = 1_000
        var now: UInt64 = 1_000_000_000
        var nextPID: Int32 = 0
        /// What the last sample's hand-over kept (`alive`), to tell the next one what ended.
        var keptBySample: [ProcessIdentity: TrackedProcess] = [:]
        var started: [ProcessIdentity: [String]] = [:]
        var exited: [ProcessIdentity: Int] = [:]
        var escaped: [ProcessIdentity: Int] = [:]
        var unattributable = 0
        var gaveUp = 0
        /// Each job as the tracker records its processes (its root's identity, PanDA ID, pilot):
        /// the three payloads from the start, then those the pilot starts on the way.
        var jobs = AttributionPropertyTests.roots

        init(seed: UInt64) {
            random = SplitMix64(seed: seed)
            for (job, root) in AttributionPropertyTests.roots.enumerated() {
                processes[root.identity] = Simulated(identity: root.identity, parent: AttributionPropertyTests.pilot.identity, job: job, sampled: true)
                live[root.identity.pid] = root.identity
                // Children from before the event source started: no fork seen, known from the
                // samples only (until two samples after they end).
                for _ in 0..<3 {
                    ticks += 1
                    let child = Simulated(identity: ProcessIdentity(bootID: "boot", pid: Self.pool.lowerBound + nextPID, startTicks: ticks),
                                          parent: root.identity, job: job, forkSeen: false, sampled: true)
                    nextPID += 1
                    processes[child.identity] = child
                    live[child.identity.pid] = child.identity
                }
            }
            keptBySample = trackedAlive()
            _ = attributor.resolve(alive: keptBySample, ended: [:], sampled: Set(keptBySample.keys))
        }

        static let pool: Range<Int32> = 1_000..<1_048
        /// The job of a pilot-side process.
        static let pilotSide = -1

        /// What its record must say of a process: the PanDA ID and role of the job it descends from.
        func truth(_ identity: ProcessIdentity) -> String {
            guard let job = processes[identity]?.job else { return "?" }
            return job == Self.pilotSide ? "pilot side" : "payload \(jobs[job].pandaID!)"
        }

        mutating func event(_ kind: ProcessEvent.Kind, _ process: Simulated, filename: String = "", sid: Int32 = 1, cwd: String = "work",
                            status: Int32 = 0) {
            // 7 ms between events: two ends are never exactly the teardown's 2 s apart.
            now += 7_000_000
            pending.append(ProcessEvent(
                kind: kind, pid: process.identity.pid, ppid: process.currentParent.pid, sid: sid,
                startBoottimeNanoseconds: process.identity.startTicks * 10_000_000,
                parentStartBoottimeNanoseconds: process.currentParent.startTicks * 10_000_000, boottimeNanoseconds: now,
                uids: [64902, 64902, 64902, 64902], comm: filename.isEmpty ? "bash" : String(filename.split(separator: "/").last!),
                filename: filename, cwdName: cwd, arguments: filename.isEmpty ? [] : [filename], exitStatus: status))
        }

        /// A child of a random live process (the pilot's: pilot side), with the next free PID
        /// of the pool (as the kernel hands them out, in turn), started at a tick of its own.
        @discardableResult
        mutating func fork(from chosen: ProcessIdentity? = nil) -> ProcessIdentity? {
            let pilot = AttributionPropertyTests.pilot.identity
            let parents = [pilot] + live.values.sorted { $0.pid < $1.pid }
            guard let parentIdentity = chosen ?? (random.next() % 8 == 0 ? pilot : parents.randomElement(using: &random)) else { return nil }
            let size = Int32(Self.pool.count)
            guard let offset = (0..<size).first(where: { live[Self.pool.lowerBound + (nextPID + $0) % size] == nil }) else { return nil }
            let pid = Self.pool.lowerBound + (nextPID + offset) % size
            nextPID = (nextPID + offset + 1) % size
            ticks += 1
            let child = Simulated(identity: ProcessIdentity(bootID: "boot", pid: pid, startTicks: ticks), parent: parentIdentity,
                                  job: processes[parentIdentity]?.job ?? Self.pilotSide)
            processes[child.identity] = child
            live[pid] = child.identity
            event(.fork, child)
            return child.identity
        }

        /// The pilot starts a job: its child execs as a session leader in the job's directory,
        /// which makes it the job's payload root.
        mutating func newJob() {
            guard let identity = fork(from: AttributionPropertyTests.pilot.identity) else { return }
            var root = AttributionPropertyTests.roots[0]
            root.identity = identity
            root.pandaID = "\(9_100_000_000 + jobs.count)"
            jobs.append(root)
            processes[identity]!.job = jobs.count - 1
            event(.exec, processes[identity]!, filename: "/bin/bash", sid: identity.pid, cwd: "PanDA_Pilot-\(root.pandaID!)")
        }

        /// A live process execs; one in ten as the leader of a new session outside any job
        /// directory (setsid).
        mutating func exec() {
            let candidates = live.values.filter { !isStartingRoot($0) }.sorted { $0.pid < $1.pid }
            guard let identity = candidates.randomElement(using: &random) else { return }
            let filename = ["/usr/bin/true", "/usr/bin/id", "/bin/sh"].randomElement(using: &random)!
            guard random.next() % 10 == 0 else { return event(.exec, processes[identity]!, filename: filename) }
            processes[identity]!.newSession = true
            event(.exec, processes[identity]!, filename: filename, sid: identity.pid)
        }

        /// A job's payload root (its own session is no escape).
        func isJobRoot(_ identity: ProcessIdentity) -> Bool { jobs.contains { $0.identity == identity } }

        func children(of identity: ProcessIdentity) -> [ProcessIdentity] {
            live.values.filter { processes[$0]!.currentParent == identity }.sorted { $0.pid < $1.pid }
        }

        /// A live process ends (its parent reaps it). One with live children leaves them to init
        /// (a double fork: they have left their job) or to their job's root (a subreaper: they
        /// have not).
        mutating func exit(leaf: Bool) {
            let candidates = live.values.filter { !isStartingRoot($0) && children(of: $0).isEmpty == leaf }.sorted { $0.pid < $1.pid }
            guard let identity = candidates.randomElement(using: &random) else { return }
            let orphans = children(of: identity)
            end(identity, status: random.next() % 4 == 0 ? 9 : 0)
            for orphan in orphans {
                let job = processes[orphan]!.job
                let root = job == Self.pilotSide ? nil : jobs[job].identity
                let subreaper = root.flatMap { live[$0.pid] == $0 ? $0 : nil }
                processes[orphan]!.reaper = subreaper.flatMap { random.next() % 2 == 0 ? $0 : nil } ?? AttributionPropertyTests.initProcess
            }
        }

        mutating func end(_ identity: ProcessIdentity, status: Int32 = 0) {
            event(.exit, processes[identity]!, status: status)
            processes[identity]!.endTime = now
            processes[identity]!.status = status
            live[identity.pid] = nil
        }

        /// The pilot stops a job it started: its root is killed, then everything below it, parents
        /// first, each left to init by its parent's death (sometimes a cycle comes in between).
        mutating func tearDown() {
            let roots = jobs.dropFirst(AttributionPropertyTests.roots.count).map(\.identity).filter { live[$0.pid] == $0 }
            guard let root = roots.randomElement(using: &random) else { return }
            var doomed = [root]
            var next = 0
            while next < doomed.count {
                doomed += children(of: doomed[next])
                next += 1
            }
            let cut = random.next() % 2 == 0 ? Int(random.next() % UInt64(doomed.count)) : -1
            for (position, identity) in doomed.enumerated() {
                if position == cut { between() }
                if position > 0 { processes[identity]!.reaper = AttributionPropertyTests.initProcess }
                end(identity, status: 9)
            }
        }

        /// What the events can tell escaped: a payload process whose fork they saw, left to init,
        /// unless a signal killed it within 2 s of its parent's end (its job being stopped).
        var escapes: Set<ProcessIdentity> {
            Set(processes.values.filter { process in
                guard process.job != Self.pilotSide else { return false }
                if process.newSession && !isJobRoot(process.identity) { return true }
                guard process.forkSeen, process.reaper == AttributionPropertyTests.initProcess else { return false }
                guard process.status & 0x7f != 0, let end = process.endTime, let parentEnd = processes[process.parent]?.endTime else { return true }
                return end - parentEnd > 2_000_000_000
            }.map(\.identity))
        }

        /// One of the three payload roots from the start (they never end, exec or get killed).
        func isStartingRoot(_ identity: ProcessIdentity) -> Bool { AttributionPropertyTests.roots.contains { $0.identity == identity } }

        /// What the tracker keeps after a sample: the pilot and every live job process, with its job.
        func trackedAlive() -> [ProcessIdentity: TrackedProcess] {
            var tracked = [AttributionPropertyTests.pilot.identity: AttributionPropertyTests.pilot]
            for identity in live.values {
                let job = processes[identity]!.job
                var process = job == Self.pilotSide ? AttributionPropertyTests.pilotSide : jobs[job]
                process.identity = identity
                process.isJobRoot = isJobRoot(identity)
                tracked[identity] = process
            }
            return tracked
        }

        mutating func take(_ resolution: EventAttributor.Resolution) {
            for entry in resolution.started {
                let process = entry.process
                started[process.identity, default: []].append(
                    process.role == .pilotSide && process.pandaID == nil ? "pilot side" : "\(process.role) \(process.pandaID ?? "-")")
            }
            for entry in resolution.exited { exited[entry.process.identity, default: 0] += 1 }
            for escape in resolution.escaped { escaped[escape.process.identity, default: 0] += 1 }
            unattributable += resolution.unattributable
        }

        /// A full cycle: the events so far, then the sample's hand-over.
        mutating func sample() {
            attributor.ingest(pending, node: AttributionPropertyTests.node)
            pending = []
            let alive = trackedAlive()
            let ended = keptBySample.filter { alive[$0.key] == nil }
            for identity in alive.keys where processes[identity] != nil { processes[identity]!.sampled = true }
            take(attributor.resolve(alive: alive, ended: ended, sampled: Set(alive.keys).union([EventAttributorTests.identity(1)])))
            keptBySample = alive
        }

        /// An events-only cycle; now and then one that gives up with only a few waiting (the
        /// next sample decides them all).
        mutating func between() {
            attributor.ingest(pending, node: AttributionPropertyTests.node)
            pending = []
            let resolution = attributor.resolveEnded(giveUpAbove: random.next() % 2 == 0 ? Int(random.next() % 3) : 25_000)
            if resolution.gaveUp { gaveUp += 1 }
            take(resolution)
        }
    }

    @Test("random trees: each process recorded once, with the job of the root it descends from; escapes exactly those init took over", arguments: 0..<24)
    func randomTrees(seed: UInt64) {
        var run = Run(seed: seed)
        for _ in 0..<600 {
            switch run.random.next() % 100 {
            case 0..<45: run.fork()
            case 45..<60: run.exec()
            case 60..<85: run.exit(leaf: true)
            case 85..<87: run.exit(leaf: false)
            case 87..<89: run.newJob()
            case 89..<90: run.tearDown()
            case 90..<95: run.between()
            default: run.sample()
            }
        }
        // The end: every job process ends, leaves first; two samples decide the rest.
        while let leaf = run.live.values.filter({ !run.isStartingRoot($0) && run.children(of: $0).isEmpty }).min(by: { $0.pid < $1.pid }) {
            run.end(leaf)
        }
        run.sample()
        run.sample()

        let descendants = run.processes.values.filter { !run.isStartingRoot($0.identity) }
        #expect(descendants.count > 150, "seed \(seed): \(descendants.count) processes")
        #expect(Set(descendants.map(\.identity.pid)).count < descendants.count, "seed \(seed): some PID was reused")
        var wrong: [String] = []
        for (identity, jobs) in run.started where jobs != [run.truth(identity)] {
            wrong.append("\(identity.pid)/\(identity.startTicks): \(jobs) not [\(run.truth(identity))]")
        }
        #expect(wrong.isEmpty, "seed \(seed): \(wrong.prefix(5))")
        let unseen = descendants.filter { !$0.sampled }
        // Both ways a process gets recorded happen in every run: by a sample, by events alone.
        #expect(unseen.count > 10 && descendants.count - unseen.count > 10,
                "seed \(seed): \(unseen.count) never sampled of \(descendants.count)")
        let twice = run.exited.filter { $0.value > 1 }.map(\.key.pid)
        #expect(twice.isEmpty, "seed \(seed): more than one exit entry: \(twice.prefix(10))")
        let notRecorded = unseen.filter { run.started[$0.identity] == nil }.map(\.identity.pid)
        let notEnded = unseen.filter { run.exited[$0.identity] != 1 }.map { "\($0.identity.pid): \(run.exited[$0.identity] ?? 0)" }
        let sampledAgain = descendants.filter { $0.sampled && run.started[$0.identity] != nil }.map(\.identity.pid)
        #expect(run.gaveUp > 0, "seed \(seed): no events-only cycle gave up")
        #expect(notRecorded.isEmpty, "seed \(seed): never sampled, never recorded: \(notRecorded.prefix(10))")
        #expect(notEnded.isEmpty, "seed \(seed): never sampled, exit entries: \(notEnded.prefix(10))")
        #expect(sampledAgain.isEmpty, "seed \(seed): sampled, and recorded by events too: \(sampledAgain.prefix(10))")
        let newJobs = Set(run.jobs.dropFirst(Self.roots.count).compactMap(\.pandaID))
        #expect(!newJobs.isEmpty, "seed \(seed): the pilot started no job on the way")
        let expectedEscapes = run.escapes
        #expect(!expectedEscapes.isEmpty, "seed \(seed): \(expectedEscapes.count) escapes")
        #expect(Set(run.escaped.keys) == expectedEscapes && run.escaped.values.allSatisfy { $0 == 1 },
                "seed \(seed): reported \(run.escaped.keys.map(\.pid).sorted()), expected \(expectedEscapes.map(\.pid).sorted())")
        #expect(run.unattributable == 0, "seed \(seed): unattributable \(run.unattributable)")
        #expect(run.attributor.lives.isEmpty, "seed \(seed): \(run.attributor.lives.count) lives left")
    }
}
