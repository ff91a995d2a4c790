import ProcFS

extension ClassificationInput {
    /// The graph `JobClassifier.classify(current, earlier: graph)` gives, made from `graph` (the
    /// classification of `previous`) without classifying the node again, or nil when it cannot be
    /// told so cheaply. Processes come and go on any node all the time, and a busy payload forks
    /// and execs all the time: classifying a node of ten thousand processes afresh for each of
    /// them is what a cycle would otherwise spend most on.
    ///
    /// The graph holds (with the current samples) when every process of the graph is still there
    /// unchanged, and every process that came or changed is none of: a kernel thread (ignored),
    /// below a graph process, a pilot by the patterns, a claimant of a PanDA ID (environment or
    /// job directory). Such a process is outside every pilot's tree and claims nothing, which is
    /// all the classifier could make of it. The graph is followed when, besides, every process that
    /// came, went or changed is a job's: one that went or changed was a process of a job other than its root; one that came
    /// or changed descends, through others that came or changed, from a process of the same job
    /// that did not change (so it is that job's, whatever it claims); and each job concerned hangs
    /// from its root by parent links alone, before and after (no orphan the pilot adopted, no
    /// second root of the same PanDA ID). Anything else (a root, a pilot or its helpers changing, a
    /// PID taken over by another process, a root recognised by its exec environment, which the
    /// next classification recognises by the earlier sighting) is classified afresh.
    public static func updatedGraph(_ graph: JobGraph, from previous: [ProcessSample], for current: [ProcessSample],
                                    patterns: PilotPatterns) -> JobGraph? {
        var now: [Int32: ProcessSample] = [:]
        now.reserveCapacity(current.count)
        for process in current {
            // Two processes with one PID: a damaged snapshot, for the classifier to make sense of.
            guard now.updateValue(process, forKey: process.pid) == nil else { return nil }
        }
        if current.count == previous.count && zip(current, previous).allSatisfy({ same($0, $1) }) {
            return graph.replacingSamples(now)
        }
        if graph.jobs.contains(where: { $0.rootRecognition == .execEnvironment }) { return nil }
        let members = graph.processIDs
        var jobOf: [Int32: Int] = [:]
        jobOf.reserveCapacity(graph.payloadProcessCount)
        for (index, job) in graph.jobs.enumerated() {
            for process in job.processes { jobOf[process.pid] = index }
        }
        var before: [Int32: ProcessSample] = [:]
        before.reserveCapacity(previous.count)
        for process in previous { before[process.pid] = process }

        // Graph processes unchanged, and the processes that came or changed.
        var stayed: Set<Int32> = []
        stayed.reserveCapacity(members.count)
        var arrivals: [Int32: ProcessSample] = [:]
        for process in current where !process.stat.isKernelThread {
            if let old = before[process.pid], same(process, old) {
                if members.contains(process.pid) { stayed.insert(process.pid) }
            } else {
                arrivals[process.pid] = process
            }
        }
        // What went or changed was a job's process, not its root.
        var leaving: [Int: Set<Int32>] = [:]
        for pid in members where !stayed.contains(pid) {
            guard let job = jobOf[pid], graph.jobs[job].rootPID != pid else { return nil }
            leaving[job, default: []].insert(pid)
        }
        if leaving.isEmpty && arrivals.isEmpty { return graph.replacingSamples(now) }

        // The job each arrival descends from through arrivals only (nil: none).
        var arrivalJob: [Int32: Int?] = [:]
        func job(of arrival: ProcessSample) -> Int? {
            var path: [Int32] = []
            var process = arrival
            var found: Int?
            while path.count <= arrivals.count {
                if let known = arrivalJob[process.pid] { found = known; break }
                path.append(process.pid)
                let parent = process.stat.ppid
                if parent == process.pid { break }
                if stayed.contains(parent), let job = jobOf[parent] { found = job; break }
                guard let next = arrivals[parent] else { break }
                process = next
            }
            for pid in path { arrivalJob[pid] = .some(found) }
            return found
        }
        let classifier = JobClassifier(patterns: patterns)
        var joining: [Int: [ProcessSample]] = [:]
        for (pid, arrival) in arrivals {
            let wasMember = members.contains(pid)
            if let job = job(of: arrival) {
                // A process that changed stays in the job it was in; a PID now another process's is not followed.
                if wasMember && (jobOf[pid] != job || before[pid]?.identity != arrival.identity) { return nil }
                joining[job, default: []].append(arrival)
                continue
            }
            // Outside every job: it holds as said above, or the node is classified afresh.
            if wasMember || members.contains(arrival.stat.ppid) || patterns.isPilot(arrival.arguments ?? [])
                || classifier.claim(of: arrival) != nil { return nil }
        }
        // A process that did not change, under one that joined a job, would be in that job too.
        let joined = Set(joining.values.joined().lazy.filter { !members.contains($0.pid) }.map(\.pid))
        if !joined.isEmpty {
            for process in current where arrivals[process.pid] == nil && joined.contains(process.stat.ppid) { return nil }
        }

        var graph = graph
        for index in Set(leaving.keys).union(joining.keys) {
            let job = graph.jobs[index]
            guard hangsFromRoot(job.processes) else { return nil }
            let gone = leaving[index] ?? []
            var others = job.processes.dropFirst().filter { !gone.contains($0.pid) }.map { now[$0.pid] ?? $0 }
            others += joining[index] ?? []
            others.sort { $0.pid < $1.pid }
            let processes = [now[job.rootPID] ?? job.root] + others
            guard hangsFromRoot(processes) else { return nil }
            classifier.setProcesses(of: &graph.jobs[index], processes)
        }
        return graph.replacingSamples(now)
    }

    /// Whether every process but the first (a job's root) descends from it by parent links within
    /// the list: a job's processes are the root's descendants and the orphans the pilot adopted,
    /// whose parent is the pilot.
    static func hangsFromRoot(_ processes: [ProcessSample]) -> Bool {
        guard let root = processes.first else { return false }
        var parent: [Int32: Int32] = [:]
        parent.reserveCapacity(processes.count)
        for process in processes.dropFirst() { parent[process.pid] = process.stat.ppid }
        var descends: Set<Int32> = [root.pid]
        for process in processes.dropFirst() {
            var path: [Int32] = []
            var at = process.pid
            while !descends.contains(at) {
                guard let up = parent[at], path.count < processes.count else { return false }
                path.append(at)
                at = up
            }
            descends.formUnion(path)
        }
        return true
    }
}
