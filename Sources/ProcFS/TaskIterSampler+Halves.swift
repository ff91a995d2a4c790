import Base
import CTaskIter

/// The first sample of a daemon (or any sample with many new processes) reads every new process
/// from /proc: cmdline, environ, cgroup, cwd, exe, the namespaces' maps and mount tables, most
/// of it kernel time in open and read. With many new processes the pass is read in two halves
/// by PID, the upper one by a second `ProcessReader` on a thread of its own, and the halves are
/// put together as one reader would have read them in PID order: the processes in PID order,
/// the counters and problems of both, and for a mount namespace both halves saw, the lower
/// half's table (read through the namespace's first process, as a single reader does).
extension TaskIterSampler {
    /// A pass with at least this many processes not known from the previous sample is read in
    /// halves (`halvesFrom`, by default).
    public static let defaultHalvesFrom = 512

    /// The index of the record the upper half starts at (each half then has about as many new
    /// processes); nil when the pass has fewer than `halvesFrom` new ones.
    func halfway(_ records: [isotrace_task_record], known: [Int32: ProcessSample]) -> Int? {
        var new: [Int] = []
        for index in records.indices where known[records[index].pid] == nil { new.append(index) }
        guard new.count >= max(halvesFrom, 2) else { return nil }
        return new[new.count / 2]
    }

    /// Reads `records` (in PID order) and the `unreported` PIDs (sorted) merged in PID order, the
    /// upper half from `halfway` on by a second reader on another thread (see above).
    func readInHalves(_ records: [isotrace_task_record], unreported: [Int32], halfway: Int, known: [Int32: ProcessSample],
                      _ reader: inout ProcessReader) -> [ProcessSample] {
        let boundary = records[halfway].pid
        let upperRecords = records[halfway...]
        let upperUnreported = unreported.filter { $0 >= boundary }
        let node = reader.node
        let upper = BackgroundThread { () -> (processes: [ProcessSample], reader: ProcessReader) in
            // No mount watch: the lower reader keeps the watched tables; this one reads its namespaces' tables itself.
            var upperReader = ProcessReader(procRoot: procRoot, node: node, allowlist: environmentAllowlist)
            let processes = read(upperRecords, unreported: upperUnreported[...], known: known, &upperReader)
            return (processes, upperReader)
        }
        var processes = read(records[..<halfway], unreported: unreported.filter { $0 < boundary }[...], known: known, &reader)
        let (upperProcesses, upperReader) = upper.join()
        processes += upperProcesses
        reader.takeOver(upperReader)
        return processes
    }
}

extension ProcessReader {
    /// Takes over what a reader of the PIDs above this one's found: its counters and problems, and
    /// the mount tables of namespaces this reader has no table of (one it read first wins).
    mutating func takeOver(_ upper: ProcessReader) {
        counters.vanished += upper.counters.vanished
        counters.unreadable += upper.counters.unreadable
        counters.malformed += upper.counters.malformed
        problems += upper.problems
        for (inode, table) in upper.mountTables where mountTables[inode]?.readThroughPID == nil {
            mountTables[inode] = table
        }
    }
}
