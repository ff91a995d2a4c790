import Base
import Jobs
import ProcFS

/// Attribution by ancestry of the processes the event source saw (DESIGN.md "Vocabulary"): each
/// process gets its job from its parent at fork, the PanDA ID, pilot or payload side and the
/// pilot's identity, and keeps it whatever it does later (exec, setuid, another cgroup or
/// namespace, reparenting). The sampler's classification decides for every process it saw in a
/// cycle (`tracked`); the events carry it to what lived between two samples.
///
/// A pilot-side process that execs as a session leader in a job directory `PanDA_Pilot-<ID>` (the
/// pilot made the directory and put it there) is that job's payload root, as the classifier would
/// have said had it sampled it. A payload process that ends up outside its job, reparented to a
/// process outside it (a double fork to init) or leading a new session outside the job
/// directory, is reported as escaped (TRACE-ATTR fail), however short its life.
///
/// `ingest` takes a cycle's events; `resolve` decides, after that cycle's sample, what is to be
/// recorded and forgets what ended. `resolveEnded` does it between two samples for the processes
/// that ended in a job's payload: only a payload's descendants keep their job whatever the next
/// sample says (DESIGN.md "Vocabulary"), so everything else waits for that sample. Memory is
/// bounded by the processes alive plus those that ended since the last cycle (at most
/// `lifeLimit`; beyond it, new processes are counted as lost).
public struct EventAttributor: Sendable {
    public private(set) var lives: [ProcessIdentity: ProcessLife] = [:]
    public var lifeLimit: Int
    /// Processes the daemon had no room for (`lifeLimit`), since it started.
    public private(set) var lifeLost = 0
    /// Ended processes whose ancestry reached neither a sampled process nor a seen fork, since it started.
    public private(set) var unattributable = 0
    /// Identities of the previous cycle's sample and its recorded processes (the last `resolve`'s
    /// `alive` and `ended`): a parent that ended since is still known.
    private var previousSampled: Set<ProcessIdentity> = []
    private var previousTracked = Known()
    /// When the processes that ended in earlier resolutions ended, for `teardownMilliseconds`
    /// after the latest of those ends: a parent's end decided a cycle before its child's is still
    /// known to the teardown rule (`escape`).
    private var recentEnds: [ProcessIdentity: UTCTime] = [:]
    /// The latest and the earliest of `recentEnds` (not looked for in it at each resolution).
    private var recentLatest: UTCTime?
    private var recentEarliest = Int64.max
    /// The parent of each process alive when the event source started (`ProcessLineage`), until
    /// two cycles have sampled: the ancestry of a process whose parent ended before any sample.
    private var ancestors: [ProcessIdentity: ProcessIdentity] = [:]
    private var seed: [ProcessLineage.Link] = []
    /// The processes `resolveEnded`'s decisions found waiting for a sample, while it decides.
    private var waitingNow: Set<ProcessIdentity> = []
    private var resolutions = 0

    public init(lifeLimit: Int = 300_000) {
        self.lifeLimit = lifeLimit
    }

    /// A process to record: its attribution and what the events saw of it.
    public struct Entry: Sendable {
        public var process: TrackedProcess
        public var life: ProcessLife
        /// Recorded for the first time in this resolution (no `process` entry before).
        public var firstSight: Bool
        /// It exec'd after its `process` entry was written (a cycle came between its fork and
        /// its exec): its `exit` entry carries its life again, so that the exec is recorded.
        public var execsSinceEntry = false
    }

    /// What a cycle's resolution says to record.
    public struct Resolution: Sendable {
        /// Job processes the sampler did not record, recorded for the first time (seen_by:
        /// event): a `process` entry each while alive; one that ended already is written once,
        /// in its `exit` entry, with its whole life.
        public var started: [Entry] = []
        /// Job processes that ended without a sample's record of their end: an `exit` entry each.
        public var exited: [Entry] = []
        /// Payload processes outside their job, with why.
        public var escaped: [(process: TrackedProcess, life: ProcessLife, reason: String)] = []
        /// Ended processes that could not be attributed in this resolution.
        public var unattributable = 0
        /// Ended processes left for the next sample to decide (`resolveEnded` only).
        public var waiting = 0
        /// `resolveEnded` decided nothing: more than its `giveUpAbove` would have waited
        /// (`waiting` is then every ended process).
        public var gaveUp = false
    }

    /// The process tree when the event source started (applied with the first cycle's node facts).
    public mutating func seed(_ links: [ProcessLineage.Link]) {
        seed = links
    }

    /// Adds a cycle's events (in the ring's order). `node` gives the boot ID and the clock.
    public mutating func ingest(_ events: [ProcessEvent], node: NodeFacts) {
        ingest(batches: CollectionOfOne(events), node: node)
    }

    /// `ingest(_:node:)` of events read poll by poll (`ProcessEventCollector.Drained.batches`),
    /// the batches in order: each event read where it is.
    public mutating func ingest<Batches: Collection>(batches: Batches, node: NodeFacts) where Batches.Element == [ProcessEvent] {
        if !seed.isEmpty {
            let bootID = node.bootID ?? ""
            for link in seed {
                guard let parentStart = link.parentStartTicks else { continue }
                ancestors[ProcessIdentity(bootID: bootID, pid: link.pid, startTicks: link.startTicks)]
                    = ProcessIdentity(bootID: bootID, pid: link.parentPID, startTicks: parentStart)
            }
            seed = []
        }
        let eventCount = batches.reduce(0) { $0 + $1.count }
        guard eventCount > 0 else { return }
        let clock = Syscalls.bootAndRealTime()
        let ticksPerSecond = node.clockTicksPerSecond
        let bootID = node.bootID ?? ""
        func wall(_ nanoseconds: UInt64) -> UTCTime {
            let ago = Int64(clock.bootNanoseconds &- min(nanoseconds, clock.bootNanoseconds))
            return UTCTime(millisecondsSinceEpoch: (clock.realNanoseconds - ago) / 1_000_000)
        }
        lives.reserveCapacity(min(lifeLimit, lives.count + eventCount / 2))
        for events in batches {
            // Each event read where it is: a copy (the iterator's, an argument's) retains and
            // releases each of its arrays again, on storage the reading thread retains too.
            events.withUnsafeBufferPointer { list in
                guard let base = list.baseAddress else { return }
                for offset in 0..<list.count {
                    let event = base + offset
                    let ticks = event.pointee.startTicks(clockTicksPerSecond: ticksPerSecond)
                    let identity = ProcessIdentity(bootID: bootID, pid: event.pointee.pid, startTicks: ticks)
                    let time = wall(event.pointee.boottimeNanoseconds)
                    // One hash lookup per event: updated in place when known, inserted whole when new.
                    if let known = lives.index(forKey: identity) {
                        lives.values[known].update(with: event, time: time)
                        continue
                    }
                    guard lives.count < lifeLimit else {
                        lifeLost += 1
                        continue
                    }
                    let parent = ProcessIdentity(bootID: bootID, pid: event.pointee.ppid,
                                                 startTicks: event.pointee.parentStartTicks(clockTicksPerSecond: ticksPerSecond))
                    var life = ProcessLife(
                        identity: identity, parent: parent, parentSeenAtFork: event.pointee.kind == .fork,
                        startTime: node.startTime(ticks: ticks),
                        firstSeen: time, lastSeen: time, ppid: event.pointee.ppid, sid: event.pointee.sid, uids: event.pointee.uids,
                        gids: event.pointee.gids, namespaces: event.pointee.namespaces, cgroupID: event.pointee.cgroupID, comm: event.pointee.comm)
                    life.update(with: event, time: time)
                    lives[identity] = life
                }
            }
        }
    }

    /// Decides, after a cycle's sample, what each process seen by events is and what to record,
    /// from what the daemon's `ProcessTracker` hands over after each of its updates: the
    /// processes it keeps (`alive`), those the update found ended (`ended`, as recorded), every
    /// process of the sample (`sampled`). The processes of the last resolution's that are in
    /// neither map are those the update before found ended (its `ended`), still known for this
    /// one. The maps are looked up in turn, not merged into one every cycle (on a node of 10,000
    /// processes, tens of thousands of hash insertions a cycle).
    public mutating func resolve(alive: [ProcessIdentity: TrackedProcess], ended: [ProcessIdentity: TrackedProcess],
                                 sampled: Set<ProcessIdentity>) -> Resolution {
        let current = Known(first: alive, second: ended)
        let resolution = resolve(known: current.adding(third: previousTracked.second), sampled: sampled, final: true)
        previousTracked = current
        return resolution
    }

    /// Decides between two samples, with the processes the last `resolve` was given (the
    /// daemon's tracker changes only with a sample, after which `resolve` comes first), what only
    /// the events can tell: the ended processes whose ancestry reaches a payload, recorded as
    /// `resolve` would record them. Every other process waits for the next sample, whose
    /// classification may still change its ancestors' side (a process sampled before its exec
    /// may be a new pilot or a new payload root by the next one): it is neither decided, nor
    /// recorded, nor counted as unattributable here.
    ///
    /// `giveUpAbove`: when more ended processes than this would wait, nothing is decided or
    /// recorded (`Resolution.gaveUp`): the daemon samples at once, and that cycle's `resolve`
    /// decides them all. A new job's processes all wait for its first sample, so deciding them
    /// here would be work done twice. Whether that many would wait is told from the ended
    /// processes decided so far (every `giveUpCheck` of them, in the order they are decided).
    public mutating func resolveEnded(giveUpAbove: Int? = nil) -> Resolution {
        resolve(known: previousTracked, sampled: [], final: false, giveUpAbove: giveUpAbove)
    }

    /// Processes the sampler recorded, in up to three maps looked up in turn (the first that has
    /// a process gives it): what a resolution knows, without the maps merged into one.
    struct Known: Sendable {
        private(set) var first: [ProcessIdentity: TrackedProcess] = [:]
        private(set) var second: [ProcessIdentity: TrackedProcess] = [:]
        private(set) var third: [ProcessIdentity: TrackedProcess] = [:]
        /// The latest start (clock ticks) of a process in the maps: a process started after it
        /// is in none of them, and is not looked up. Nearly every process the events saw started
        /// after the sample that made the maps; each lookup it would make, three on a node's worth
        /// of processes, is a cache miss.
        private var latestStart: UInt64 = 0

        init(first: [ProcessIdentity: TrackedProcess] = [:], second: [ProcessIdentity: TrackedProcess] = [:],
             third: [ProcessIdentity: TrackedProcess] = [:]) {
            self.first = first
            self.second = second
            self.third = third
            for map in [first, second, third] { takeLatestStart(of: map) }
        }

        /// These maps (with no `third` of their own) and `map` looked up last: the first two are
        /// not scanned again for their latest start.
        func adding(third map: [ProcessIdentity: TrackedProcess]) -> Known {
            var known = self
            known.third = map
            known.takeLatestStart(of: map)
            return known
        }

        private mutating func takeLatestStart(of map: [ProcessIdentity: TrackedProcess]) {
            for identity in map.keys where identity.startTicks > latestStart { latestStart = identity.startTicks }
        }

        subscript(identity: ProcessIdentity) -> TrackedProcess? {
            if identity.startTicks > latestStart { return nil }
            if let process = first[identity] { return process }
            if !second.isEmpty, let process = second[identity] { return process }
            return third.isEmpty ? nil : third[identity]
        }

        /// How many entries the maps hold (a process may be in more than one).
        var count: Int { first.count + second.count + third.count }

        /// Each identity (once per map it is in), `first`'s last.
        func forEachIdentity(_ body: (ProcessIdentity) -> Void) {
            for identity in third.keys { body(identity) }
            for identity in second.keys { body(identity) }
            for identity in first.keys { body(identity) }
        }
    }

    /// The identities of this cycle's sample and the previous one's, asked in turn (not united
    /// into one set every cycle).
    struct Sampled {
        var now: Set<ProcessIdentity> = []
        var before: Set<ProcessIdentity> = []

        func contains(_ identity: ProcessIdentity) -> Bool { now.contains(identity) || before.contains(identity) }
    }

    /// How many ended processes `resolveEnded` decides between two estimates of how many would
    /// wait.
    static let giveUpCheck = 4_096

    /// `resolve` (`final`) or `resolveEnded`. `known`: the processes recorded by this cycle's
    /// sample and the previous one's.
    private mutating func resolve(known: Known, sampled: Set<ProcessIdentity>, final: Bool,
                                  giveUpAbove: Int? = nil) -> Resolution {
        var resolution = Resolution()
        let everSampled = final ? Sampled(now: sampled, before: previousSampled) : Sampled()
        // One pass over the lives: the order to decide in, and when each ended (nil: alive).
        // The identities (a String each) stay in their own array: the order sorted holds only
        // plain values, moved without retain and release.
        var identities: [ProcessIdentity] = []
        identities.reserveCapacity(lives.count)
        var order: [(firstSeen: Int64, pid: Int32, slot: Int, exitTime: UTCTime?)] = []
        order.reserveCapacity(lives.count)
        var endedCount = 0
        var position = lives.startIndex
        while position != lives.endIndex {
            let identity = lives.keys[position]
            let (exitTime, firstSeen) = Self.peek(&lives.values[position]) { ($0.exit?.time, $0.firstSeen) }
            order.append((firstSeen.millisecondsSinceEpoch, identity.pid, identities.count, exitTime))
            identities.append(identity)
            if exitTime != nil { endedCount += 1 }
            lives.formIndex(after: &position)
        }
        // Who has a PID now and when the lives of this resolution ended: asked only about a
        // process reaped by another than its parent, so made the first time one is (a payload's
        // children reaped by their parent, nearly all of them, never need it).
        var reaping: Reaping?
        func reapingMaps() -> Reaping {
            if let reaping { return reaping }
            var made = Reaping()
            made.alive.reserveCapacity(known.count + order.count)
            known.forEachIdentity { made.alive[$0.pid] = $0 }
            for entry in order {
                if let exitTime = entry.exitTime {
                    made.ended[identities[entry.slot]] = exitTime
                } else {
                    made.alive[entry.pid] = identities[entry.slot]
                }
            }
            reaping = made
            return made
        }
        order.sort { ($0.firstSeen, $0.pid) < ($1.firstSeen, $1.pid) }
        // Every attribution first (decided ones are kept on the life): a parent that ended in
        // this cycle must still be there when its children are decided.
        var decisions: [LifeAttribution?] = []
        decisions.reserveCapacity(order.count)
        var endedDecided = 0, endedWaiting = 0
        for entry in order {
            let decided = attribution(of: identities[entry.slot], known: known, sampled: everSampled, final: final, depth: 0)
            decisions.append(decided)
            guard let giveUpAbove, entry.exitTime != nil else { continue }
            endedDecided += 1
            if decided == nil { endedWaiting += 1 }
            guard endedWaiting > giveUpAbove
                || (endedDecided % Self.giveUpCheck == 0 && endedWaiting * endedCount / endedDecided > giveUpAbove) else { continue }
            waitingNow = []
            resolution.gaveUp = true
            resolution.waiting = endedCount
            return resolution
        }
        waitingNow = []
        // Room for every entry at once (a cycle at 2,000 execs/s records tens of thousands): the
        // arrays of large entries are not grown and copied as they fill.
        var jobs = 0, jobsEnded = 0
        for (position, decided) in decisions.enumerated() {
            guard case .job? = decided else { continue }
            jobs += 1
            if order[position].exitTime != nil { jobsEnded += 1 }
        }
        resolution.started.reserveCapacity(jobs)
        resolution.exited.reserveCapacity(jobsEnded)
        // The ended lives let go (decided), with their ends, for the teardown rule.
        var gone: [(ProcessIdentity, UTCTime)] = []
        gone.reserveCapacity(endedCount)
        /// An ended life leaves `lives`, moved out (not copied), and its end is kept in `gone`.
        func letGo(_ index: [ProcessIdentity: ProcessLife].Index, endedAt end: UTCTime) -> ProcessLife {
            gone.append((lives.keys[index], end))
            return lives.remove(at: index).value
        }
        for (position, decided) in decisions.enumerated() {
            guard let index = lives.index(forKey: identities[order[position].slot]) else { continue }
            // When the life ended, as the first pass read it (nil: alive).
            let end = order[position].exitTime
            switch decided {
            case nil:
                guard let end else { continue }
                guard final else {
                    resolution.waiting += 1
                    continue
                }
                resolution.unattributable += 1
                _ = letGo(index, endedAt: end)
            case .none?:
                if let end {
                    _ = letGo(index, endedAt: end)
                } else if Self.peek(&lives.values[index], { !$0.execs.isEmpty }) {
                    lives.values[index].execs = []
                }
            case .job(let side)?:
                // Taken once and stored back once: each read of `lives.values[index]` copies the
                // whole life (its arrays and strings retained and released again). An ended life
                // leaves `lives`: it is moved out, not copied.
                let identity = lives.keys[index]
                let hasEnded = end != nil
                // Between samples a live process is left to the next sample, which records it.
                if !final && !hasEnded { continue }
                var life = end.map { letGo(index, endedAt: $0) } ?? lives.values[index]
                let process = Self.tracked(life, identity: identity, side: side)
                let sample = known[identity]
                if side.role == .payload, life.escaped == nil,
                   let reason = escape(life, side: side, known: known, reaping: reapingMaps) {
                    life.escaped = reason
                    resolution.escaped.append((process, life, reason))
                }
                let firstSight = !life.recorded && sample == nil
                if firstSight {
                    resolution.started.append(Entry(process: process, life: life, firstSight: true))
                    life.execCountAtEntry = life.execCount
                }
                life.recorded = true
                guard hasEnded else {
                    lives.values[index] = life
                    continue
                }
                if let sample {
                    if Self.execedAfterSample(life, sample) {
                        resolution.exited.append(Entry(process: process, life: life, firstSight: false, execsSinceEntry: true))
                    }
                } else {
                    let execsSinceEntry = !firstSight && life.execCount > life.execCountAtEntry
                    resolution.exited.append(Entry(process: process, life: life, firstSight: firstSight, execsSinceEntry: execsSinceEntry))
                }
            }
        }
        rememberEnds(gone)
        guard final else { return resolution }
        unattributable += resolution.unattributable
        resolutions += 1
        if resolutions >= 2 { ancestors = [:] }
        previousSampled = sampled
        return resolution
    }

    /// A process a sample recorded whose last exec came after that sample: the sample caught it
    /// between its fork and its exec (its record has the parent's comm and argv), so that exec is
    /// in no record unless its `exit` entry carries the life. The exec is after the sample when it
    /// is no earlier than the sample's start and the sample saw another comm than the exec gave
    /// (the kernel sets comm to the first 15 bytes of the file name's last component); a process
    /// the sample saw already exec'd, in the same millisecond, is not recorded twice.
    static func execedAfterSample(_ life: ProcessLife, _ sample: TrackedProcess) -> Bool {
        guard let last = life.execs.last, last.time >= sample.firstSeen else { return false }
        let name = last.filename.utf8.split(separator: UInt8(ascii: "/")).last.map { Array($0.prefix(15)) } ?? []
        return Array(sample.comm.utf8) != name
    }

    /// The process to record of a life attributed to a job.
    private static func tracked(_ life: ProcessLife, identity: ProcessIdentity, side: JobSide) -> TrackedProcess {
        TrackedProcess(identity: identity, role: side.role, pandaID: side.pandaID, taskID: side.taskID, pilot: side.pilot,
                       container: side.container, startTime: life.startTime, comm: life.comm, uid: life.uids.count > 1 ? life.uids[1] : nil,
                       firstSeen: life.firstSeen, lastSeen: life.lastSeen, isJobRoot: side.jobRoot == identity)
    }

    /// A process's attribution: the sampler's when it recorded it, else inherited from its parent
    /// at fork (decided once, then kept); nil when the ancestry reaches nothing known. Not
    /// `final` (between samples): a payload's only, nil for everything else.
    private mutating func attribution(of identity: ProcessIdentity, known: Known,
                                      sampled: Sampled, final: Bool, depth: Int) -> LifeAttribution? {
        if final { return decide(identity, known: known, sampled: sampled, final: true, depth: depth) }
        // Between samples a new job's processes all wait, each with its chain of new ancestors:
        // an ancestor found waiting is not asked again for each of its descendants.
        if waitingNow.contains(identity) { return nil }
        let decided = decide(identity, known: known, sampled: sampled, final: false, depth: depth)
        if decided == nil { waitingNow.insert(identity) }
        return decided
    }

    /// `attribution`, unremembered.
    private mutating func decide(_ identity: ProcessIdentity, known: Known,
                                 sampled: Sampled, final: Bool, depth: Int) -> LifeAttribution? {
        if let process = known[identity] { return Self.payloadOrFinal(Self.own(process), final) }
        // Read in place (a life is not copied to be asked): its attribution, its parent and,
        // for the pilot side only, its execs.
        guard let index = lives.index(forKey: identity) else {
            if let parent = ancestors[identity], depth < 256 {
                switch attribution(of: parent, known: known, sampled: sampled, final: final, depth: depth + 1) {
                case .job(let side)?: return .job(Self.inherit(side, from: parent))
                case .none?: return LifeAttribution.none
                case nil: break
                }
            }
            return final && sampled.contains(identity) ? LifeAttribution.none : nil
        }
        // Read in place (each read of `lives.values[index]` copies the life whole).
        let (decidedBefore, parentIdentity) = Self.peek(&lives.values[index]) { ($0.attribution, $0.parent) }
        if let decidedBefore { return Self.payloadOrFinal(decidedBefore, final) }
        guard depth < 256 else { return nil }
        var decided: LifeAttribution?
        switch attribution(of: parentIdentity, known: known, sampled: sampled, final: final, depth: depth + 1) {
        case nil: decided = final && sampled.contains(identity) ? LifeAttribution.none : nil
        case .none?: decided = LifeAttribution.none
        case .job(let parent)?: decided = .job(Self.inherit(parent, from: parentIdentity))
        }
        // `index` is still this life's: deciding its ancestors set their attributions, in place,
        // and added or removed no life.
        if case .job(var side)? = decided, side.role == .pilotSide,
           let root = Self.peek(&lives.values[index], { $0.execs.first(where: { $0.sessionLeader && Self.jobDirectoryID($0.cwdName) != nil }) }) {
            side.role = .payload
            side.pandaID = Self.jobDirectoryID(root.cwdName)
            side.jobRoot = identity
            decided = .job(side)
        }
        if let decided { lives.values[index].attribution = decided }
        return decided
    }

    /// What `body` reads of a life, read where it is: an access through `_modify` yields the
    /// life in place, where the getter of `lives.values[index]` would copy it (retaining and
    /// releasing each of its strings and arrays) to read one member.
    @inline(__always)
    private static func peek<T>(_ life: inout ProcessLife, _ body: (inout ProcessLife) -> T) -> T {
        body(&life)
    }

    /// `attribution` as it stands between samples (not `final`): a payload's is kept whatever
    /// the next sample says (the classifier keeps a payload's descendants in its job), any other
    /// may still change with it.
    @inline(__always)
    private static func payloadOrFinal(_ attribution: LifeAttribution, _ final: Bool) -> LifeAttribution? {
        if final { return attribution }
        if case .job(let side) = attribution, side.role == .payload { return attribution }
        return nil
    }

    /// What a process the sampler recorded is to its descendants' ancestry.
    static func own(_ process: TrackedProcess) -> LifeAttribution {
        switch process.role {
        case .unattributed: return LifeAttribution.none
        case .payload, .pilot, .pilotWrapper, .pilotSide:
            return .job(JobSide(role: process.role, pandaID: process.pandaID, taskID: process.taskID, pilot: process.pilot,
                                container: process.container, jobRoot: process.isJobRoot ? process.identity : nil))
        }
    }

    /// What a child gets from its parent: a pilot's or its wrapper's child is pilot side (with the
    /// pilot's identity); a payload's child is payload of the same job.
    static func inherit(_ parent: JobSide, from identity: ProcessIdentity) -> JobSide {
        var child = parent
        switch parent.role {
        case .pilot:
            child.role = .pilotSide
            child.pilot = identity
            child.pandaID = nil
            child.taskID = nil
        case .pilotWrapper:
            child.role = .pilotSide
            child.pandaID = nil
            child.taskID = nil
        case .payload, .pilotSide, .unattributed:
            break
        }
        return child
    }

    /// How soon after its parent a reparented process killed by a signal counts as torn down with its job.
    static let teardownMilliseconds: Int64 = 2_000

    /// The PanDA ID in a job directory's name `PanDA_Pilot-<digits>`.
    static func jobDirectoryID(_ name: String) -> String? {
        let prefix = "PanDA_Pilot-"
        guard name.hasPrefix(prefix) else { return nil }
        let id = name.dropFirst(prefix.count)
        guard !id.isEmpty, id.count <= 20, id.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return String(id)
    }

    /// The processes with a PID now (the sampled ones and the lives alive), and when the lives
    /// of a resolution that ended did: who reaped a process, and whether its parent had just
    /// ended (a child killed just after its parent is a job being torn down, not an escape).
    struct Reaping {
        var alive: [Int32: ProcessIdentity] = [:]
        var ended: [ProcessIdentity: UTCTime] = [:]
    }

    /// Keeps the ends of this resolution's ended lives that it let go (decided: `gone`), and
    /// forgets those more than `teardownMilliseconds` before the latest end known.
    private mutating func rememberEnds(_ gone: [(ProcessIdentity, UTCTime)]) {
        var latest = recentLatest
        for (_, time) in gone { latest = max(latest ?? time, time) }
        guard let latest else { return }
        recentLatest = latest
        let oldest = latest.millisecondsSinceEpoch - Self.teardownMilliseconds
        if recentEarliest < oldest {
            recentEnds = recentEnds.filter { $0.value.millisecondsSinceEpoch >= oldest }
            recentEarliest = recentEnds.values.lazy.map(\.millisecondsSinceEpoch).min() ?? .max
        }
        for (identity, time) in gone where time.millisecondsSinceEpoch >= oldest {
            recentEnds[identity] = time
            recentEarliest = min(recentEarliest, time.millisecondsSinceEpoch)
        }
    }

    /// Why a payload process is outside its job, or nil: a new session outside a job directory
    /// (not the job's root), or an end reaped by a process outside the job.
    private func escape(_ life: ProcessLife, side: JobSide, known: Known, reaping: () -> Reaping) -> String? {
        if side.jobRoot != life.identity,
           let exec = life.execs.first(where: { $0.sessionLeader && Self.jobDirectoryID($0.cwdName) == nil }) {
            return "escaped: leads a new session (sid \(life.identity.pid)) outside the job directory (cwd \(exec.cwdName.isEmpty ? "?" : exec.cwdName)) when it ran \(exec.filename)"
        }
        if let exit = life.exit, exit.reaper != life.parent.pid {
            let maps = reaping()
            // Killed by a signal within `teardown` of its parent's end: the job was being stopped
            // (a pilot kills the payload's group), not left. A parent that ended longer ago, in
            // this resolution or an earlier one, was left: a process that double-forks away and
            // later kills itself has escaped all the same.
            if exit.status & 0x7f != 0, let parentEnd = maps.ended[life.parent] ?? recentEnds[life.parent],
               exit.time.millisecondsSinceEpoch - parentEnd.millisecondsSinceEpoch <= Self.teardownMilliseconds {
                return nil
            }
            let reaper = maps.alive[exit.reaper]
            let reaperSide: JobSide? = reaper.flatMap { identity in
                if let process = known[identity], case .job(let side) = Self.own(process) { return side }
                if case .job(let side)? = lives[identity]?.attribution { return side }
                return nil
            }
            if reaperSide?.role != .payload || reaperSide?.pandaID != side.pandaID {
                return "escaped: reparented from PID \(life.parent.pid) to PID \(exit.reaper) outside the job, and ended there"
            }
        }
        return nil
    }
}

extension ProcessLife {
    /// The event's values, read where the event is. A value the life holds already (the same
    /// ids, namespaces and comm as the last event's: the decoder shares their storage) is not
    /// assigned again, which would retain the new storage and release the old, the same.
    mutating func update(with event: UnsafePointer<ProcessEvent>, time: UTCTime) {
        lastSeen = max(lastSeen, time)
        ppid = event.pointee.ppid
        sid = event.pointee.sid
        if uids != event.pointee.uids { uids = event.pointee.uids }
        if gids != event.pointee.gids { gids = event.pointee.gids }
        if namespaces != event.pointee.namespaces { namespaces = event.pointee.namespaces }
        cgroupID = event.pointee.cgroupID
        if comm != event.pointee.comm { comm = event.pointee.comm }
        switch event.pointee.kind {
        case .fork:
            firstSeen = min(firstSeen, time)
        case .exec:
            execCount += 1
            let exec = Exec(time: time, filename: event.pointee.filename, arguments: event.pointee.arguments,
                            truncated: event.pointee.argumentsTruncated, cwdName: event.pointee.cwdName,
                            sessionLeader: event.pointee.sid == event.pointee.pid)
            if execs.count < Self.execLimit {
                execs.append(exec)
            } else {
                execs[execs.count - 1] = exec
            }
        case .exit:
            exit = Exit(time: time, status: event.pointee.exitStatus, reaper: event.pointee.ppid)
        }
    }
}
