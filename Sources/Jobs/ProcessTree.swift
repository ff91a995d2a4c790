import ProcFS

/// Parent/child links of one snapshot, for walking from pilots down.
struct ProcessTree {
    let processes: [ProcessSample]
    let byPID: [Int32: ProcessSample]
    let children: [Int32: [Int32]]

    init(_ processes: [ProcessSample]) {
        self.processes = processes
        var byPID: [Int32: ProcessSample] = [:]
        var children: [Int32: [Int32]] = [:]
        for process in processes {
            byPID[process.pid] = process
        }
        for process in processes where process.stat.ppid != process.pid {
            children[process.stat.ppid, default: []].append(process.pid)
        }
        for key in children.keys { children[key]!.sort() }
        self.byPID = byPID
        self.children = children
    }

    /// Processes whose parent is not in the snapshot (init's parent 0, kthreadd, or a parent that
    /// vanished): where walks start.
    var tops: [Int32] {
        processes.filter { byPID[$0.stat.ppid] == nil || $0.stat.ppid == $0.pid }.map(\.pid)
    }
}

/// Why a process below a pilot is a payload root, and the job that makes it.
enum RootEvidence {
    /// It leads its own session in (or below) the job directory `PanDA_Pilot-<id>`.
    case jobDirectory(id: String, directory: String)
    /// It was in this job at an earlier classification (same boot, pid and start ticks).
    case earlierSighting(Job)
    /// It leads its own session outside the job directory and outside PILOT_HOME, and the
    /// environment it was exec'd with names the job.
    case execEnvironment(id: String, variable: String, pilotHome: String)
}

/// One depth-first walk from the tops that assigns every process a role.
struct TreeWalk {
    let patterns: PilotPatterns
    let tree: ProcessTree
    /// Every process of an earlier classification's jobs, by identity (the daemon's last cycle).
    let earlier: [ProcessIdentity: Job]

    /// Innermost pilots, in PID order.
    private(set) var pilotPIDs: [Int32] = []
    private(set) var wrapperOf: [Int32: Int32] = [:]
    private(set) var roots: [Int32] = []
    private(set) var pilotOf: [Int32: Int32] = [:]
    /// Why each root is one.
    private(set) var rootEvidence: [Int32: RootEvidence] = [:]
    /// Session leaders below a pilot that carry a PANDAID which names no job (not a PanDA ID),
    /// outside the job directory and PILOT_HOME: neither payload nor helper.
    private(set) var strays: [(process: ProcessSample, pilot: Int32, variable: String)] = []
    private(set) var members: [Int32: [Int32]] = [:]
    private(set) var pilotSide: [Int32: [Int32]] = [:]
    /// Every process with a pilot above it (or that is one).
    private(set) var underPilot: Set<Int32> = []
    private var jobOf: [Int32: Int32] = [:]

    init(patterns: PilotPatterns, tree: ProcessTree, earlier: [ProcessIdentity: Job] = [:]) {
        self.patterns = patterns
        self.tree = tree
        self.earlier = earlier
    }

    private struct Context {
        var pilot: Int32?
        var job: Int32?
    }

    mutating func run() {
        var visited: Set<Int32> = []
        var matchedPilots: [Int32] = []
        var hasInnerPilot: Set<Int32> = []
        var contextPilot: [Int32: Int32] = [:]
        // Anything not reachable from a top (a parent cycle in a damaged tree) is walked too.
        let starts = tree.tops + tree.processes.map(\.pid)
        for start in starts where !visited.contains(start) {
            var stack: [(Int32, Context)] = [(start, Context())]
            while let (pid, inherited) = stack.popLast() {
                guard visited.insert(pid).inserted, let process = tree.byPID[pid] else { continue }
                var context = inherited
                if let job = context.job {
                    members[job, default: []].append(pid)
                    jobOf[pid] = job
                    underPilot.insert(pid)
                } else if patterns.isPilot(process.arguments ?? []) && !process.stat.isKernelThread {
                    if let outer = context.pilot {
                        wrapperOf[pid] = wrapperOf[outer] ?? outer
                        hasInnerPilot.insert(outer)
                    }
                    matchedPilots.append(pid)
                    context.pilot = pid
                    underPilot.insert(pid)
                } else if let pilot = context.pilot {
                    underPilot.insert(pid)
                    if let evidence = recogniseRoot(process, pilot: pilot) {
                        roots.append(pid)
                        pilotOf[pid] = pilot
                        jobOf[pid] = pid
                        rootEvidence[pid] = evidence
                        context.job = pid
                    } else if strays.last?.process.pid != pid {
                        contextPilot[pid] = pilot
                    }
                }
                for child in tree.children[pid, default: []].reversed() { stack.append((child, context)) }
            }
        }
        pilotPIDs = matchedPilots.filter { !hasInnerPilot.contains($0) }.sorted()
        // Pilot-side processes belong to the innermost pilot; a wrapper's own helpers to its pilot.
        for (pid, pilot) in contextPilot {
            let owner = hasInnerPilot.contains(pilot) ? (pilotPIDs.first { wrapperOf[$0] == pilot } ?? pilot) : pilot
            pilotSide[owner, default: []].append(pid)
        }
        roots.sort()
    }

    /// Whether `process`, below `pilot` and in no job yet, is a payload root. The pilot's helpers
    /// also lead their own sessions and inherit PANDAID, but run in PILOT_HOME (the pilot's cwd);
    /// a payload root is told from them by what a `cd` does not change: the daemon's earlier
    /// sighting of this very process, or the environment the pilot gave it at exec.
    private mutating func recogniseRoot(_ process: ProcessSample, pilot: Int32) -> RootEvidence? {
        guard process.stat.sid == process.pid else { return nil }
        if let job = earlier[process.identity] { return .earlierSighting(job) }
        guard let cwd = process.cwd?.path else { return nil }
        if let (id, directory) = patterns.jobDirectoryID(cwd, innermostOnly: false) {
            return .jobDirectory(id: id, directory: directory)
        }
        guard let home = tree.byPID[pilot]?.cwd?.path, cwd != home else { return nil }
        for variable in ["PANDAID", "PandaID"] {
            guard let value = process.environment?[variable] else { continue }
            if PilotPatterns.isPandaID(value) { return .execEnvironment(id: value, variable: variable, pilotHome: home) }
            strays.append((process, pilot, variable))
            return nil
        }
        return nil
    }

    /// The pilot is the subreaper of its payloads: a payload process whose parent exited is
    /// re-parented to the pilot. It still carries its payload's session ID, which is how it is
    /// put back into its job (with everything below it).
    mutating func adoptSessionOrphans() {
        let rootSet = Set(roots)
        for (pilot, side) in pilotSide {
            var kept: [Int32] = []
            for pid in side {
                guard let process = tree.byPID[pid], rootSet.contains(process.stat.sid), pilotOf[process.stat.sid] == pilot
                else { kept.append(pid); continue }
                members[process.stat.sid, default: []].append(pid)
                jobOf[pid] = process.stat.sid
            }
            pilotSide[pilot] = kept
        }
        // Descendants of adopted orphans were pilot side under the same pilot: move them too.
        let pilots = Set(pilotPIDs).union(wrapperOf.values)
        var memo: [Int32: Int32?] = [:]
        for (pilot, side) in pilotSide {
            var kept: [Int32] = []
            for pid in side {
                if let job = adoptedAncestorJob(pid, pilots: pilots, memo: &memo) {
                    members[job, default: []].append(pid)
                    jobOf[pid] = job
                } else {
                    kept.append(pid)
                }
            }
            pilotSide[pilot] = kept
        }
    }

    /// The job of `pid`'s nearest ancestor that has one, stopping at a pilot. `memo` keeps every
    /// answer for the ancestors a walk passed, so a deep pilot-side chain is walked once, not once
    /// per process (quadratic).
    private func adoptedAncestorJob(_ pid: Int32, pilots: Set<Int32>, memo: inout [Int32: Int32?]) -> Int32? {
        var path: [Int32] = []
        var answer: Int32?
        var current = tree.byPID[pid]?.stat.ppid
        while let at = current, path.count < tree.processes.count {
            if let known = memo[at] { answer = known; break }
            if let job = jobOf[at] { answer = job; break }
            if pilots.contains(at) { break }
            path.append(at)
            current = tree.byPID[at]?.stat.ppid
        }
        for at in path { memo[at] = answer }
        return answer
    }
}
