import Agent
import Base
import ProcFS
import Records
import Testing

/// Attribution by ancestry on hand-made kernel reports: what the daemon does with the events
/// between two samples (the live tests run it on real processes).
@Suite struct EventAttributorTests {
    static let node = NodeFacts(bootID: "boot", bootTime: 1_795_000_000, clockTicksPerSecond: 100)
    static func identity(_ pid: Int32) -> ProcessIdentity { ProcessIdentity(bootID: "boot", pid: pid, startTicks: UInt64(pid)) }
    /// Start times in nanoseconds chosen so that pid N started at N clock ticks.
    static func start(_ pid: Int32) -> UInt64 { UInt64(pid) * 10_000_000 }

    static func event(_ kind: ProcessEvent.Kind, _ pid: Int32, parent: Int32, sid: Int32 = 1, at: UInt64 = 1, uid: UInt32 = 64902,
                      filename: String = "", cwd: String = "", arguments: [String] = [], status: Int32 = 0, reaper: Int32? = nil) -> ProcessEvent {
        ProcessEvent(kind: kind, pid: pid, ppid: reaper ?? parent, sid: sid, startBoottimeNanoseconds: start(pid),
                     parentStartBoottimeNanoseconds: start(parent), boottimeNanoseconds: at, uids: [uid, uid, uid, uid],
                     comm: filename.split(separator: "/").last.map(String.init) ?? "bash", filename: filename, cwdName: cwd,
                     arguments: arguments, exitStatus: status)
    }

    static let pilot = TrackedProcess(identity: identity(100), role: .pilot, pandaID: nil, taskID: nil, pilot: nil, container: nil,
                                      startTime: UTCTime(millisecondsSinceEpoch: 0), comm: "python3", uid: 64901,
                                      firstSeen: UTCTime(millisecondsSinceEpoch: 0), lastSeen: UTCTime(millisecondsSinceEpoch: 0))
    static let root = TrackedProcess(identity: identity(200), role: .payload, pandaID: "4267387837", taskID: "1", pilot: identity(100), container: nil,
                                     startTime: UTCTime(millisecondsSinceEpoch: 0), comm: "bash", uid: 64902,
                                     firstSeen: UTCTime(millisecondsSinceEpoch: 0), lastSeen: UTCTime(millisecondsSinceEpoch: 0),
                                     isJobRoot: true)
    static let tracked = [pilot.identity: pilot, root.identity: root]
    static let sampled: Set<ProcessIdentity> = [identity(1), identity(100), identity(200)]

    /// An attributor as the daemon's is after a sample that tracked `tracked` (every one alive)
    /// among `sampled`: what its events-only cycles (`resolveEnded`) then look up.
    static func afterSample(_ tracked: [ProcessIdentity: TrackedProcess], sampled: Set<ProcessIdentity> = sampled) -> EventAttributor {
        var attributor = EventAttributor()
        let nothing = attributor.resolve(alive: tracked, ended: [:], sampled: sampled)
        #expect(nothing.started.isEmpty && nothing.exited.isEmpty, "no events before the first sample")
        return attributor
    }

    @Test("a payload's short-lived child: recorded with the PanDA ID and pilot at fork, kept across exec and a uid change")
    func childOfPayload() {
        var attributor = EventAttributor()
        attributor.ingest([
            Self.event(.fork, 300, parent: 200),
            Self.event(.exec, 300, parent: 200, uid: 0, filename: "/usr/bin/id", cwd: "PanDA_Pilot-4267387837", arguments: ["id", "-u"]),
            Self.event(.exit, 300, parent: 200, status: 1 << 8),
        ], node: Self.node)
        let resolution = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(resolution.started.map(\.process.identity.pid) == [300])
        let child = resolution.started[0].process
        #expect(child.pandaID == "4267387837" && child.role == .payload && child.pilot == Self.identity(100) && child.taskID == "1")
        #expect(resolution.started[0].life.execs.map(\.arguments) == [["id", "-u"]])
        #expect(resolution.exited.map { $0.life.exit?.status } == [256])
        #expect(resolution.escaped.isEmpty && resolution.unattributable == 0)
        #expect(attributor.lives.isEmpty, "ended processes are forgotten")
    }

    /// A payload child a sample recorded as `comm` at `firstSeen`, which then exec'd /usr/bin/true and ended.
    static func sampledChildExecs(sampledComm: String, sampledAt firstSeen: UTCTime) -> EventAttributor.Resolution {
        let child = TrackedProcess(identity: identity(600), role: .payload, pandaID: "4267387837", taskID: "1", pilot: identity(100),
                                   container: nil, startTime: UTCTime(millisecondsSinceEpoch: 0), comm: sampledComm, uid: 64902,
                                   firstSeen: firstSeen, lastSeen: firstSeen)
        var tracked = Self.tracked
        tracked[child.identity] = child
        var attributor = EventAttributor()
        attributor.ingest([
            Self.event(.fork, 600, parent: 200),
            Self.event(.exec, 600, parent: 200, filename: "/usr/bin/true", cwd: "PanDA_Pilot-4267387837", arguments: ["/bin/true"]),
            Self.event(.exit, 600, parent: 200),
        ], node: Self.node)
        return attributor.resolve(alive: tracked, ended: [:], sampled: Self.sampled.union([child.identity]))
    }

    @Test("a sampled process caught between its fork and its exec: its exit entry carries the exec; one sampled after its exec gets none")
    func execAfterSample() {
        // The sample (at the epoch, before every event here) saw the shell's fork: comm bash.
        let caught = Self.sampledChildExecs(sampledComm: "bash", sampledAt: UTCTime(millisecondsSinceEpoch: 0))
        #expect(caught.started.isEmpty, "the sample recorded it: no second process entry")
        #expect(caught.exited.map(\.process.identity.pid) == [600])
        #expect(caught.exited.first?.execsSinceEntry == true, "the exit entry repeats the life")
        #expect(caught.exited.first?.life.execs.map(\.filename) == ["/usr/bin/true"])
        #expect(caught.exited.first?.process.pandaID == "4267387837" && caught.exited.first?.process.role == .payload)
        // The sample saw it after its exec (comm true): its sampled records say it all.
        let after = Self.sampledChildExecs(sampledComm: "true", sampledAt: UTCTime(millisecondsSinceEpoch: 0))
        #expect(after.exited.isEmpty && after.started.isEmpty)
        // The exec came before the sample started (the sample is later than every event here).
        let later = Self.sampledChildExecs(sampledComm: "bash", sampledAt: UTCTime(millisecondsSinceEpoch: Int64.max / 2))
        #expect(later.exited.isEmpty && later.started.isEmpty)
    }

    /// A payload child (400) forks 401 and ends; 401, reparented to init, runs sleep and ends there.
    static let doubleForkEvents = [
        event(.fork, 400, parent: 200),
        event(.fork, 401, parent: 400),
        event(.exit, 400, parent: 200),
        event(.exec, 401, parent: 400, filename: "/usr/bin/sleep", cwd: "PanDA_Pilot-4267387837", arguments: ["sleep", "1"], reaper: 1),
        event(.exit, 401, parent: 400, reaper: 1),
    ]

    @Test("a double fork to init: the grandchild is recorded with the job and reported escaped")
    func doubleFork() {
        var attributor = EventAttributor()
        attributor.ingest(Self.doubleForkEvents, node: Self.node)
        let resolution = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(Set(resolution.started.map(\.process.identity.pid)) == [400, 401])
        #expect(resolution.escaped.map(\.process.identity.pid) == [401])
        #expect(resolution.escaped.first?.reason.hasPrefix("escaped: reparented from PID 400 to PID 1") == true)
        #expect(resolution.escaped.first?.process.pandaID == "4267387837")
    }

    @Test("a job torn down (the root ends, its children are killed just after, reparented): not an escape")
    func teardownIsNoEscape() {
        var attributor = EventAttributor()
        attributor.ingest([
            Self.event(.fork, 410, parent: 200),
            Self.event(.fork, 411, parent: 410),
            Self.event(.exit, 410, parent: 200, at: 1_000_000_000, status: 9),
            Self.event(.exit, 411, parent: 410, at: 1_100_000_000, status: 9, reaper: 1),
        ], node: Self.node)
        let resolution = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(resolution.exited.count == 2 && resolution.escaped.isEmpty)
    }

    @Test("a double fork that later kills itself is escaped, also when its parent's end came in an earlier cycle; a teardown split by a cycle is not")
    func signalDeathAfterEscape() {
        // 420 forks 421 and ends; 421, reparented to init, kills itself 60 s later, long after
        // the cycle that recorded 420's end: a payload cannot pass an escape off as a teardown.
        var attributor = Self.afterSample(Self.tracked)
        attributor.ingest([
            Self.event(.fork, 420, parent: 200, at: 1_000_000_000),
            Self.event(.fork, 421, parent: 420, at: 1_001_000_000),
            Self.event(.exit, 420, parent: 200, at: 1_002_000_000),
        ], node: Self.node)
        let first = attributor.resolveEnded()
        #expect(first.started.map(\.process.identity.pid) == [420] && first.escaped.isEmpty)
        attributor.ingest([Self.event(.exit, 421, parent: 420, at: 61_000_000_000, status: 9, reaper: 1)], node: Self.node)
        let later = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(later.escaped.map(\.process.identity.pid) == [421], "\(later.escaped.map(\.reason))")
        // A teardown a cycle cut in two: 430 ends, the cycle comes, 431 (its child, left to init)
        // is killed 0.5 s after 430's end: the job was being stopped, not left.
        attributor.ingest([
            Self.event(.fork, 430, parent: 200, at: 62_000_000_000),
            Self.event(.fork, 431, parent: 430, at: 62_001_000_000),
            Self.event(.exit, 430, parent: 200, at: 63_000_000_000, status: 9),
        ], node: Self.node)
        #expect(attributor.resolveEnded().escaped.isEmpty)
        attributor.ingest([Self.event(.exit, 431, parent: 430, at: 63_500_000_000, status: 9, reaper: 1)], node: Self.node)
        let torn = attributor.resolveEnded()
        #expect(torn.exited.map(\.process.identity.pid) == [431] && torn.escaped.isEmpty, "\(torn.escaped.map(\.reason))")
    }

    @Test("a new session outside the job directory is escaped; the job root's own session is not")
    func newSession() {
        var attributor = EventAttributor()
        attributor.ingest([
            Self.event(.fork, 500, parent: 200),
            Self.event(.exec, 500, parent: 200, sid: 500, filename: "/usr/bin/nc", cwd: "tmp", arguments: ["nc", "-l"]),
        ], node: Self.node)
        let resolution = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(resolution.escaped.first?.reason.contains("new session") == true)
        #expect(resolution.started.first?.life.exit == nil, "still alive: a process entry, no exit yet")
        // Its exit later is recorded once, and not reported again.
        attributor.ingest([Self.event(.exit, 500, parent: 200)], node: Self.node)
        let later = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled.union([Self.identity(500)]))
        #expect(later.started.isEmpty && later.exited.map(\.process.identity.pid) == [500] && later.escaped.isEmpty)
    }

    @Test("a sampled payload root that execs from another directory is in its own session, not a new one")
    func sampledRootExecsElsewhere() {
        // 200 is job 4267387837's root, tracked by the samples; it leads its session (sid 200)
        // and runs the transform from a subdirectory of the job's.
        var attributor = Self.afterSample(Self.tracked)
        attributor.ingest([
            Self.event(.exec, 200, parent: 100, sid: 200, filename: "/usr/bin/python3", cwd: "run", arguments: ["python3", "Reco_tf.py"]),
        ], node: Self.node)
        let resolution = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(resolution.escaped.isEmpty, "\(resolution.escaped.map(\.reason))")
        // A process it forks that starts a session of its own still escapes.
        attributor.ingest([
            Self.event(.fork, 510, parent: 200, sid: 200),
            Self.event(.exec, 510, parent: 200, sid: 510, filename: "/usr/bin/nc", cwd: "run", arguments: ["nc", "-l"]),
        ], node: Self.node)
        let child = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(child.escaped.map(\.process.identity.pid) == [510])
    }

    @Test("a pilot's child is pilot side; one that execs as a session leader in PanDA_Pilot-<ID> is that job's payload root, and its children too")
    func pilotSideAndNewJob() {
        var attributor = EventAttributor()
        attributor.ingest([
            Self.event(.fork, 600, parent: 100),
            Self.event(.exec, 600, parent: 100, filename: "/usr/bin/curl", cwd: "pilot", arguments: ["curl", "https://panda"]),
            Self.event(.exit, 600, parent: 100),
            Self.event(.fork, 700, parent: 100),
            Self.event(.exec, 700, parent: 100, sid: 700, filename: "/bin/bash", cwd: "PanDA_Pilot-77", arguments: ["bash", "-c", "run"]),
            Self.event(.fork, 701, parent: 700),
            Self.event(.exit, 701, parent: 700),
            Self.event(.exit, 700, parent: 100),
        ], node: Self.node)
        let resolution = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        let byPID = Dictionary(uniqueKeysWithValues: resolution.started.map { ($0.process.identity.pid, $0.process) })
        #expect(byPID[600]?.role == .pilotSide && byPID[600]?.pandaID == nil && byPID[600]?.pilot == Self.identity(100))
        #expect(byPID[700]?.role == .payload && byPID[700]?.pandaID == "77" && byPID[700]?.pilot == Self.identity(100))
        #expect(byPID[701]?.role == .payload && byPID[701]?.pandaID == "77")
        #expect(resolution.escaped.isEmpty)
    }

    @Test("between samples: a payload's ended processes are recorded as after a sample; live, pilot-side and unknown ones wait for the next sample")
    func betweenSamples() {
        var attributor = Self.afterSample(Self.tracked)
        attributor.ingest([
            Self.event(.fork, 300, parent: 200),
            Self.event(.exec, 300, parent: 200, filename: "/usr/bin/id", cwd: "PanDA_Pilot-4267387837", arguments: ["id", "-u"]),
            Self.event(.exit, 300, parent: 200),
            Self.event(.fork, 301, parent: 200),
            Self.event(.fork, 600, parent: 100),
            Self.event(.exit, 600, parent: 100),
            Self.event(.fork, 901, parent: 999),
            Self.event(.exit, 901, parent: 999),
        ], node: Self.node)
        let between = attributor.resolveEnded()
        #expect(between.started.map(\.process.identity.pid) == [300] && between.exited.map(\.process.identity.pid) == [300])
        #expect(between.started.first?.process.pandaID == "4267387837" && between.started.first?.firstSight == true)
        #expect(between.waiting == 2 && between.unattributable == 0 && attributor.unattributable == 0)
        #expect(Set(attributor.lives.keys.map(\.pid)) == [301, 600, 901], "decided and ended: forgotten; the rest kept")
        // The next sample recorded 301 (alive): the events record the pilot side's 600 and count 901.
        let child = TrackedProcess(identity: Self.identity(301), role: .payload, pandaID: "4267387837", taskID: "1", pilot: Self.identity(100),
                                   container: nil, startTime: UTCTime(millisecondsSinceEpoch: 0), comm: "bash", uid: 64902,
                                   firstSeen: UTCTime(millisecondsSinceEpoch: 0), lastSeen: UTCTime(millisecondsSinceEpoch: 0))
        var tracked = Self.tracked
        tracked[child.identity] = child
        let sampled = attributor.resolve(alive: tracked, ended: [:], sampled: Self.sampled.union([child.identity]))
        #expect(sampled.started.map(\.process.identity.pid) == [600] && sampled.started.first?.process.role == .pilotSide)
        #expect(sampled.exited.map(\.process.identity.pid) == [600])
        #expect(sampled.unattributable == 1 && sampled.waiting == 0)
        #expect(attributor.lives.keys.map(\.pid) == [301])
    }

    /// 650, sampled on the pilot side before its exec, tracked with the pilot and job 4267387837's root.
    static let pilotSideHelper = TrackedProcess(identity: identity(650), role: .pilotSide, pandaID: nil, taskID: nil, pilot: identity(100),
                                                container: nil, startTime: UTCTime(millisecondsSinceEpoch: 0), comm: "bash", uid: 64901,
                                                firstSeen: UTCTime(millisecondsSinceEpoch: 0), lastSeen: UTCTime(millisecondsSinceEpoch: 0))
    static var trackedWithHelper: [ProcessIdentity: TrackedProcess] {
        var tracked = Self.tracked
        tracked[pilotSideHelper.identity] = pilotSideHelper
        return tracked
    }

    /// `trackedWithHelper` as the next sample tracks it: 650 ran the payload (a session leader in
    /// its job directory) and is job 88's root.
    static var trackedWithJob88: [ProcessIdentity: TrackedProcess] {
        var root = pilotSideHelper
        root.role = .payload
        root.pandaID = "88"
        var tracked = trackedWithHelper
        tracked[root.identity] = root
        return tracked
    }

    @Test("between samples: the children of a process sampled on the pilot side wait, and take the job the next sample gives it")
    func newPayloadRootBetweenSamples() {
        var attributor = Self.afterSample(Self.trackedWithHelper, sampled: Self.sampled.union([Self.pilotSideHelper.identity]))
        attributor.ingest([Self.event(.fork, 651, parent: 650), Self.event(.exit, 651, parent: 650)], node: Self.node)
        let between = attributor.resolveEnded()
        #expect(between.started.isEmpty && between.exited.isEmpty && between.waiting == 1)
        let sampled = attributor.resolve(alive: Self.trackedWithJob88, ended: [:], sampled: Self.sampled.union([Self.pilotSideHelper.identity]))
        #expect(sampled.started.map(\.process.identity.pid) == [651])
        #expect(sampled.started.first?.process.role == .payload && sampled.started.first?.process.pandaID == "88")
    }

    @Test("between samples: when more ended processes would wait than asked, nothing is decided, and the sample decides them all")
    func giveUpBetweenSamples() {
        let tracked = Self.trackedWithHelper
        // Decided in PID order (all were first seen at once): first 4,096 children of the
        // pilot-side 650, which wait, then 1,904 of the payload's root, which could be recorded.
        var events: [ProcessEvent] = []
        for pid in Int32(1000)..<5096 { events += [Self.event(.fork, pid, parent: 650), Self.event(.exit, pid, parent: 650)] }
        for pid in Int32(6000)..<7904 { events += [Self.event(.fork, pid, parent: 200), Self.event(.exit, pid, parent: 200)] }
        func attributor() -> EventAttributor {
            var made = Self.afterSample(tracked, sampled: Self.sampled.union([Self.pilotSideHelper.identity]))
            made.ingest(events, node: Self.node)
            return made
        }
        // 4,096 of the 6,000 wait: as many as 6,000 would, from the first 4,096 decided.
        var estimated = attributor()
        let gaveUp = estimated.resolveEnded(giveUpAbove: 5_999)
        #expect(gaveUp.gaveUp && gaveUp.waiting == 6_000 && gaveUp.started.isEmpty && gaveUp.exited.isEmpty)
        #expect(estimated.lives.count == 6_000, "nothing decided is forgotten")
        var kept = attributor()
        let recorded = kept.resolveEnded(giveUpAbove: 6_000)
        #expect(!recorded.gaveUp && recorded.waiting == 4_096 && recorded.started.count == 1_904 && recorded.exited.count == 1_904)
        // Beyond the limit by count, before any estimate.
        var counted = Self.afterSample(tracked, sampled: Self.sampled.union([Self.pilotSideHelper.identity]))
        counted.ingest(Array(events.prefix(6)) + [Self.event(.fork, 300, parent: 200), Self.event(.exit, 300, parent: 200)], node: Self.node)
        let overCount = counted.resolveEnded(giveUpAbove: 2)
        #expect(overCount.gaveUp && overCount.started.isEmpty && counted.lives.count == 4)
        // The sample: 650 is job 88's root, and every process is decided and recorded once.
        let sampled = estimated.resolve(alive: Self.trackedWithJob88, ended: [:], sampled: Self.sampled.union([Self.pilotSideHelper.identity]))
        #expect(sampled.started.count == 6_000 && sampled.exited.count == 6_000 && sampled.unattributable == 0)
        #expect(sampled.started.filter { $0.process.pandaID == "88" }.count == 4_096)
        #expect(estimated.lives.isEmpty)
    }

    @Test("between samples: a payload child that double-forks to init and ends is recorded and reported escaped")
    func escapeBetweenSamples() {
        var attributor = Self.afterSample(Self.tracked)
        attributor.ingest(Self.doubleForkEvents, node: Self.node)
        let resolution = attributor.resolveEnded()
        #expect(Set(resolution.started.map(\.process.identity.pid)) == [400, 401] && resolution.waiting == 0)
        #expect(resolution.escaped.map(\.process.identity.pid) == [401])
        #expect(attributor.lives.isEmpty)
    }

    @Test("not a job's: nothing recorded; an ancestry that reaches nothing known is counted unattributable; the start-up tree reaches further")
    func unrelatedAndUnattributable() {
        var attributor = EventAttributor()
        attributor.seed([ProcessLineage.Link(pid: 800, startTicks: 800, parentPID: 200, parentStartTicks: 200)])
        attributor.ingest([
            Self.event(.fork, 900, parent: 1),
            Self.event(.exit, 900, parent: 1),
            Self.event(.fork, 901, parent: 999),
            Self.event(.exit, 901, parent: 999),
            // 800 was alive at start and ended before any sample: its child is still the job's.
            Self.event(.fork, 902, parent: 800),
            Self.event(.exit, 902, parent: 800),
        ], node: Self.node)
        let resolution = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(resolution.started.map(\.process.identity.pid) == [902])
        #expect(resolution.started.first?.process.pandaID == "4267387837")
        #expect(resolution.unattributable == 1 && attributor.unattributable == 1)
    }

    @Test("no room: processes beyond the limit are counted as lost, not kept")
    func lifeLimit() {
        var attributor = EventAttributor(lifeLimit: 2)
        attributor.ingest((0..<5).map { Self.event(.fork, 1000 + Int32($0), parent: 200) }, node: Self.node)
        #expect(attributor.lives.count == 2 && attributor.lifeLost == 3)
    }

    @Test("a cycle between a child's fork and its exec: a process entry at fork, then an exit entry with the exec")
    func execAfterTheProcessEntry() throws {
        var attributor = EventAttributor()
        attributor.ingest([Self.event(.fork, 310, parent: 200)], node: Self.node)
        let first = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(first.started.map(\.process.identity.pid) == [310] && first.started.first?.life.execs.isEmpty == true)
        attributor.ingest([Self.event(.exec, 310, parent: 200, filename: "/bin/true", arguments: ["/bin/true"]),
                           Self.event(.exit, 310, parent: 200)], node: Self.node)
        let second = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(second.started.isEmpty)
        let exit = try #require(second.exited.first)
        #expect(!exit.firstSight && exit.execsSinceEntry)
        // As a reader takes the entry: its members and its record's `shared` ones.
        guard let values = SharedEntryMembers.entries(of: DaemonRecords.eventExits(second.exited).members),
              case .object(let members)? = values.first else { Issue.record("no exit entry"); return }
        #expect(members.first { $0.key == "exe" }?.value == .string("/bin/true"), "\(members.map(\.key))")
        #expect(members.first { $0.key == "exit_code" }?.value == .number(0))
    }

    @Test("event entries: every object's members already in canonical key order (UTF-16), the job's values the same in each entry")
    func entriesInCanonicalOrder() throws {
        var attributor = EventAttributor()
        attributor.ingest((0..<3).flatMap { offset -> [ProcessEvent] in
            let pid = 300 + Int32(offset)
            return [Self.event(.fork, pid, parent: 200),
                    Self.event(.exec, pid, parent: 200, filename: "/usr/bin/id", cwd: "PanDA_Pilot-4267387837", arguments: ["id", "-u"]),
                    Self.event(.exit, pid, parent: 200, status: 1 << 8)]
        }, node: Self.node)
        let resolution = attributor.resolve(alive: Self.tracked, ended: [:], sampled: Self.sampled)
        #expect(resolution.started.count == 3 && resolution.exited.count == 3)
        func unordered(_ value: JSONValue, at path: String) -> [String] {
            switch value {
            case .object(let members):
                let keys = members.map(\.key)
                let here = zip(keys, keys.dropFirst()).allSatisfy { $0.utf16.lexicographicallyPrecedes($1.utf16) } ? [] : [path + ": " + keys.joined(separator: ",")]
                return here + members.flatMap { unordered($0.value, at: path + "." + $0.key) }
            case .array(let values):
                return values.enumerated().flatMap { unordered($1, at: path + "[\($0)]") }
            default:
                return []
            }
        }
        #expect(resolution.exited.allSatisfy { $0.firstSight }, "began and ended in one cycle: first sighted at their exit")
        let execedSinceEntry = resolution.exited.map { entry in
            var entry = entry
            entry.execsSinceEntry = true
            return entry
        }
        let bodies = [DaemonRecords.eventProcesses(resolution.started), DaemonRecords.eventExits(resolution.exited),
                      DaemonRecords.eventExits(execedSinceEntry)]
        // Began and ended in one cycle: a process entry with the life and an exit entry with the
        // end (both kinds, like a sampled process); an exit entry of a process that exec'd after
        // its process entry: the life again, with the end.
        let expected: [(present: [String], absent: [String])] = [
            (["cmdline", "execs", "ns"], ["exit_code", "reaper_pid"]),
            (["exit_code", "reaper_pid"], ["cmdline", "execs", "ns"]),
            (["cmdline", "execs", "ns", "exit_code", "reaper_pid"], []),
        ]
        // Entries as a reader takes them: their members and their record's `shared` ones.
        for (body, keys) in zip(bodies, expected) {
            guard let values = SharedEntryMembers.entries(of: body.members),
                  case .object(let members)? = values.first else { Issue.record("no entries"); continue }
            let present = Set(members.map(\.key))
            #expect(keys.present.allSatisfy { present.contains($0) } && !keys.absent.contains { present.contains($0) }, "\(body.type): \(present.sorted())")
        }
        for body in bodies {
            let entries = body.members.first { $0.key == "processes" }?.value
            #expect(unordered(try #require(entries), at: "processes") == [], "\(body.type)")
            #expect(unordered(try #require(body.members.first { $0.key == "shared" }?.value), at: "shared") == [], "\(body.type)")
            guard let values = SharedEntryMembers.entries(of: body.members) else { Issue.record("no processes array"); continue }
            #expect(values.count == 3)
            for value in values {
                guard case .object(let members) = value else { Issue.record("not an object"); continue }
                let pandaID = members.first { $0.key == "panda_id" }?.value
                let pilot = members.first { $0.key == "pilot" }?.value
                #expect(pandaID == .string("4267387837") && pilot != nil && pilot != .null)
            }
        }
    }

    /// A resolution as the records see it: who is recorded, with which job, what ended, escaped, waits, is unattributable.
    static func summary(_ resolution: EventAttributor.Resolution) -> String {
        let started = resolution.started.map { "\($0.process.identity.pid):\($0.process.role):\($0.process.pandaID ?? "-"):\($0.firstSight)" }.sorted()
        let exited = resolution.exited.map { "\($0.process.identity.pid):\($0.execsSinceEntry)" }.sorted()
        return "started \(started) exited \(exited) escaped \(resolution.escaped.map(\.process.identity.pid).sorted()) "
            + "unattributable \(resolution.unattributable) waiting \(resolution.waiting) gave up \(resolution.gaveUp)"
    }

    @Test("the tracker's hand-over (kept, ended, sample): a recorded parent that ended is known for two samples, a sampled one for two")
    func trackerHandOver() {
        // 250: a payload process recorded by the first sample, gone at the second; its children
        // come after. 50: a process outside every job, in the first sample only.
        var ending = Self.root
        ending.identity = Self.identity(250)
        ending.isJobRoot = false
        let alive = Self.tracked
        let first = alive.merging([ending.identity: ending]) { current, _ in current }
        let samples: [(alive: [ProcessIdentity: TrackedProcess], ended: [ProcessIdentity: TrackedProcess], sampled: Set<ProcessIdentity>)] = [
            (first, [:], Self.sampled.union([ending.identity, Self.identity(50)])),
            (alive, [ending.identity: ending], Self.sampled),
            (alive, [:], Self.sampled),
            (alive, [:], Self.sampled),
        ]
        // Per sample: the events before it, then those before the events-only resolution after it.
        func forkAndExit(_ pid: Int32, _ parent: Int32) -> [ProcessEvent] {
            [Self.event(.fork, pid, parent: parent), Self.event(.exit, pid, parent: parent)]
        }
        let events: [(beforeSample: [ProcessEvent], between: [ProcessEvent])] = [
            (forkAndExit(301, 200), forkAndExit(251, 250)),
            (forkAndExit(252, 250) + forkAndExit(51, 50), forkAndExit(253, 250)),
            (forkAndExit(254, 250) + forkAndExit(52, 50), []),
            (forkAndExit(255, 250), []),
        ]
        var handedOver = EventAttributor()
        var summaries: [String] = []
        for (sample, cycle) in zip(samples, events) {
            handedOver.ingest(cycle.beforeSample, node: Self.node)
            summaries.append(Self.summary(handedOver.resolve(alive: sample.alive, ended: sample.ended, sampled: sample.sampled)))
            handedOver.ingest(cycle.between, node: Self.node)
            summaries.append(Self.summary(handedOver.resolveEnded()))
        }
        #expect(handedOver.unattributable == 2 && handedOver.lives.isEmpty)
        // 251 and 253 between samples, 252 and 254 at a sample: 250's children while it is known;
        // 51 of the process sampled once is nobody's, 52 and 255 (nothing known left) unattributable.
        let expected = [
            "started [\"301:payload:4267387837:true\"] exited [\"301:false\"] escaped [] unattributable 0 waiting 0 gave up false",
            "started [\"251:payload:4267387837:true\"] exited [\"251:false\"] escaped [] unattributable 0 waiting 0 gave up false",
            "started [\"252:payload:4267387837:true\"] exited [\"252:false\"] escaped [] unattributable 0 waiting 0 gave up false",
            "started [\"253:payload:4267387837:true\"] exited [\"253:false\"] escaped [] unattributable 0 waiting 0 gave up false",
            "started [\"254:payload:4267387837:true\"] exited [\"254:false\"] escaped [] unattributable 1 waiting 0 gave up false",
            "started [] exited [] escaped [] unattributable 0 waiting 0 gave up false",
            "started [] exited [] escaped [] unattributable 1 waiting 0 gave up false",
            "started [] exited [] escaped [] unattributable 0 waiting 0 gave up false",
        ]
        #expect(summaries == expected, "\(summaries)")
    }
}
