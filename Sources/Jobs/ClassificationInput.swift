import ProcFS

/// What `JobClassifier.classify` reads of the processes, to tell when the graph of an earlier
/// classification still holds or can be followed (the daemon's cycles, `updatedGraph`): of each
/// process, argv, environment, cwd, comm, ppid, session and the kernel-thread flag. Uids,
/// capabilities, namespaces, cgroups and the process state play no part.
public enum ClassificationInput {
    /// The same process with the same fields classification reads.
    static func same(_ now: ProcessSample, _ before: ProcessSample) -> Bool {
        now.isSameStorage(as: before) || (now.identity == before.identity && now.stat.comm == before.stat.comm
            && now.stat.ppid == before.stat.ppid && now.stat.sid == before.stat.sid && now.stat.flags == before.stat.flags
            && now.arguments == before.arguments && now.environment == before.environment && now.cwd == before.cwd)
    }
}

extension JobGraph {
    /// Every process the graph holds: pilots, their wrappers and pilot-side processes, the jobs'
    /// processes, the unattributed.
    public var processIDs: Set<Int32> {
        var pids: Set<Int32> = []
        for pilot in pilots {
            pids.insert(pilot.pid)
            if let wrapper = pilot.wrapper { pids.insert(wrapper.pid) }
            pids.formUnion(pilot.pilotSidePIDs)
        }
        for job in jobs { for process in job.processes { pids.insert(process.pid) } }
        for entry in unattributed { pids.insert(entry.process.pid) }
        return pids
    }

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
