import ProcFS

/// What `JobClassifier.classify` reads of the processes, to tell when the graph of an earlier
/// classification still holds (the daemon's cycles): the processes by identity and in order,
/// and of each the fields classification reads: argv, environment, cwd, comm, ppid, session,
/// kernel-thread flag. Uids, capabilities, namespaces, cgroups and the process state play no part.
public enum ClassificationInput {
    /// True when `classify(current)` gives the graph `classify(previous)` gave, but holding the
    /// current samples (see `JobGraph.replacingSamples`).
    public static func same(_ current: [ProcessSample], _ previous: [ProcessSample]) -> Bool {
        guard current.count == previous.count else { return false }
        return zip(current, previous).allSatisfy { now, before in
            now.isSameStorage(as: before) || (now.identity == before.identity && now.stat.comm == before.stat.comm
                && now.stat.ppid == before.stat.ppid && now.stat.sid == before.stat.sid && now.stat.flags == before.stat.flags
                && now.arguments == before.arguments && now.environment == before.environment && now.cwd == before.cwd)
        }
    }
}

extension JobGraph {
    /// The same graph holding `samples`' version of each of its processes (by PID); a process
    /// missing there keeps the sample it has.
    public func replacingSamples(_ samples: [Int32: ProcessSample]) -> JobGraph {
        func current(_ sample: ProcessSample) -> ProcessSample { samples[sample.pid] ?? sample }
        var graph = self
        for index in graph.pilots.indices {
            graph.pilots[index].process = current(graph.pilots[index].process)
            graph.pilots[index].wrapper = graph.pilots[index].wrapper.map(current)
        }
        for index in graph.jobs.indices {
            graph.jobs[index].processes = graph.jobs[index].processes.map(current)
        }
        for index in graph.unattributed.indices {
            graph.unattributed[index].process = current(graph.unattributed[index].process)
        }
        return graph
    }
}
