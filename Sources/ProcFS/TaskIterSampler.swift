import Base
import CTaskIter
import SystemPackage

/// Samples the live node through the BPF task iterator: one pass gives every process's stat,
/// status and namespace facts as the kernel holds them (`TaskRecord`); /proc is read only for
/// what BPF does not give: cmdline, environ (allowlisted), cgroup, cwd, exe, uid/gid maps once
/// per user namespace and mountinfo once per mount namespace. The result is the same
/// `Snapshot` the /proc sampler makes, with `sampler` `.bpf`.
///
/// A process known from an earlier sample (same identity, the daemon's previous cycle) keeps
/// its cmdline, environ, cwd and exe; its cgroup file is read again only when its cgroup id
/// changed. A process the record cannot fully describe (a zombie or exiting task without
/// namespaces, NSpid deeper or Groups longer than the record holds) is read from /proc exactly
/// as `ProcSampler` reads it. `/proc` is listed too, and a process the iterator did not report is
/// read from /proc (this machine's sandboxed PID 1 is never handed to BPF iterators), so both
/// samplers list the same processes. Many new processes (a daemon's first sample) are read in
/// two halves on two threads (`halvesFrom`). Always reads the live `/proc`: BPF sees the running
/// kernel only.
public struct TaskIterSampler: Sendable {
    public let iterator: TaskIterator
    public var environmentAllowlist: EnvironmentAllowlist
    public let procRoot = "/proc"
    /// Kept mount tables between samples (the daemon); nil reads every table every sample.
    public var mountWatch: MountTableWatch?
    /// A sample with at least this many new processes reads them in two halves on two threads
    /// (TaskIterSampler+Halves.swift); `Int.max` reads on one.
    public var halvesFrom = TaskIterSampler.defaultHalvesFrom

    public init(iterator: TaskIterator, extraEnvironment: [String] = [], mountWatch: MountTableWatch? = nil) {
        self.iterator = iterator
        self.environmentAllowlist = EnvironmentAllowlist(extra: extraEnvironment)
        self.mountWatch = mountWatch
    }

    /// Samples every process, or only `pids` when given (a missing PID is then a problem).
    public func sample(pids: [Int32]? = nil, reusing known: [Int32: ProcessSample] = [:]) throws(ProcRootError) -> Snapshot {
        let takenAt = UTCTime.now()
        let node = try NodeFactsReader(procRoot: procRoot).read()
        var records: [isotrace_task_record]
        do {
            records = try iterator.readRaw()
        } catch {
            throw ProcRootError(path: "BPF task iterator", reason: error.reason)
        }
        // The iterator walks in PID order; sort only if it ever does not (moving records costs).
        if !zip(records, records.dropFirst()).allSatisfy({ $0.pid < $1.pid }) { records.sort { $0.pid < $1.pid } }
        var reader = ProcessReader(procRoot: procRoot, node: node, allowlist: environmentAllowlist, mountWatch: mountWatch)
        var processes: [ProcessSample] = []
        if let pids {
            let wanted = Set(pids)
            let found = Dictionary(records.filter { wanted.contains($0.pid) }.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
            for pid in wanted.sorted() {
                let outcome = found[pid].map { reader.read(raw: $0, known: known[pid]) } ?? reader.read(pid: pid, known: known[pid])
                switch outcome {
                case .sample(let sample): processes.append(sample)
                case .vanished: reader.problems.append(SampleProblem(pid: pid, file: "\(procRoot)/\(pid)", reason: "no such process"))
                case .dropped: break
                }
            }
        } else {
            let reported = Set(records.map(\.pid))
            let unreported = try unreportedPIDs(reported: reported, known: known, &reader)
            if let halfway = halfway(records, known: known) {
                processes = readInHalves(records, unreported: unreported, halfway: halfway, known: known, &reader)
            } else {
                processes = read(records[...], unreported: unreported[...], known: known, &reader)
            }
            reader.finishSample()
        }
        reader.counters.processes = processes.count
        var snapshot = Snapshot(
            takenAt: takenAt, procRoot: procRoot, node: node, counters: reader.counters, processes: processes,
            mountNamespaces: reader.mountNamespaces(), problems: reader.problems, sampler: .bpf)
        snapshot.skippedListing = reader.skippedListing
        return snapshot
    }

    /// Reads `records` and the `unreported` PIDs (both in PID order), merged in PID order, as
    /// ProcSampler goes (mountinfo is read through the first PID of a namespace).
    func read(_ records: ArraySlice<isotrace_task_record>, unreported: ArraySlice<Int32>, known: [Int32: ProcessSample],
              _ reader: inout ProcessReader) -> [ProcessSample] {
        var processes: [ProcessSample] = []
        processes.reserveCapacity(records.count + unreported.count)
        var next = unreported.startIndex
        for index in records.indices {
            let pid = records[index].pid
            while next < unreported.endIndex && unreported[next] < pid {
                append(reader.read(pid: unreported[next], known: known[unreported[next]]), &reader, &processes)
                next += 1
            }
            append(reader.read(raw: records[index], known: known[pid]), &reader, &processes)
        }
        for pid in unreported[next...] { append(reader.read(pid: pid, known: known[pid]), &reader, &processes) }
        return processes
    }

    /// The processes of /proc the pass did not report. /proc is listed for them unless the
    /// kernel's thread count (/proc/loadavg) equals the tasks the pass visited plus the threads of
    /// the processes known to be unreported (read from /proc last time): then there is no other.
    /// A task started or ended during the pass makes the counts differ, and /proc is listed.
    private func unreportedPIDs(reported: Set<Int32>, known: [Int32: ProcessSample], _ reader: inout ProcessReader) throws(ProcRootError) -> [Int32] {
        let formerly = known.values.filter { $0.taskRecord == nil && !reported.contains($0.pid) }.map(\.pid).sorted()
        if let visited = iterator.tasksVisitedByLastRead(), let threads = Self.kernelThreadCount(&reader.buffer) {
            var expected = visited
            for pid in formerly {
                if let count = try? Syscalls.readFile(at: nil, "\(procRoot)/\(pid)/stat", displayPath: "", into: &reader.buffer),
                   let stat = ProcessStat.threadCount(reader.buffer[0..<count]) {
                    expected += UInt64(max(stat, 0))
                }
            }
            if expected == threads {
                reader.skippedListing = true
                return formerly
            }
        }
        do {
            return try Syscalls.listPIDs(procRoot).filter { !reported.contains($0) }.sorted()
        } catch {
            throw ProcRootError(path: procRoot, reason: "cannot list: \(error.reason)")
        }
    }

    /// The kernel's number of tasks (`nr_threads`, after the slash in /proc/loadavg's fourth field).
    static func kernelThreadCount(_ buffer: inout [UInt8]) -> UInt64? {
        guard let count = try? Syscalls.readFile(at: nil, "/proc/loadavg", displayPath: "/proc/loadavg", into: &buffer) else { return nil }
        let fields = ByteScan.leadingFields(buffer[0..<count], limit: 4)
        guard fields.count == 4, let slash = fields[3].firstIndex(of: UInt8(ascii: "/")) else { return nil }
        return ByteScan.unsigned(fields[3][(slash + 1)...])
    }

    private func append(_ outcome: ProcessReader.Outcome, _ reader: inout ProcessReader, _ processes: inout [ProcessSample]) {
        switch outcome {
        case .sample(let sample): processes.append(sample)
        case .vanished: reader.counters.vanished += 1
        case .dropped: break
        }
    }
}

extension ProcessReader {
    /// One process from its raw BPF record: a known process whose record is byte-for-byte the
    /// one it was sampled from last time is handed back as it was (same storage), else the record
    /// is converted and completed from /proc.
    mutating func read(raw: isotrace_task_record, known: ProcessSample?) -> Outcome {
        if let known, let previous = known.taskRecord, previous.hasSameBytes(as: raw), let unchanged = unchanged(known) {
            return .sample(unchanged)
        }
        let record = TaskRecord(raw)
        let outcome = read(record: record, known: known)
        guard case .sample(var sample) = outcome, !record.isIncomplete else { return outcome }
        sample.taskRecord = raw
        return .sample(sample)
    }

    /// `known` when its namespaces' uid/gid maps (read this sample) are what it holds and its
    /// mount namespace's table was read this sample; nil when /proc must be opened for it.
    private mutating func unchanged(_ known: ProcessSample) -> ProcessSample? {
        guard let userNS = known.namespaces[.user], let maps = idMaps[userNS],
              case .success(let uidMap) = maps.uid, uidMap == known.uidMap,
              case .success(let gidMap) = maps.gid, gidMap == known.gidMap
        else { return nil }
        if let mountNS = known.namespaces[.mnt], !hasMountTable(mountNS) { return nil }
        countUnreadable(known)
        return known
    }

    /// One process from its BPF record, completed from /proc.
    mutating func read(record: TaskRecord, known: ProcessSample?) -> Outcome {
        if record.isIncomplete { return read(pid: record.pid, known: known) }
        let ticks = record.startTicks(clockTicksPerSecond: node.clockTicksPerSecond)
        let identity = ProcessIdentity(bootID: node.bootID ?? "", pid: record.pid, startTicks: ticks)
        let startTime = node.startTime(ticks: ticks)
        if let known, known.identity == identity {
            return refresh(known, record: record)
        }
        return withProcessFiles(record.pid) { reader, process throws(Vanished) in
            try reader.readNew(record, identity: identity, startTime: startTime, &process)
        }
    }

    private mutating func readNew(_ record: TaskRecord, identity: ProcessIdentity, startTime: UTCTime,
                                  _ process: inout ProcessFiles) throws(Vanished) -> Outcome {
        let pid = record.pid
        // stat proves /proc/<pid> is still the process of the record (not a reused PID), and
        // gives a kernel thread's name as /proc shows it (workqueue, full kthread name).
        switch try process.readFile("stat", into: &buffer) {
        case .success(let count):
            let stat: ProcessStat
            do throws(ParseError) {
                stat = try ProcessStat.parse(buffer[0..<count])
            } catch {
                report(pid: pid, process, error)
                counters.malformed += 1
                return .dropped
            }
            guard stat.startTicks == identity.startTicks else { return .vanished }
            var sample = ProcessSample(
                identity: identity,
                stat: record.stat(clockTicksPerSecond: node.clockTicksPerSecond, comm: record.isKernelThread ? stat.comm : nil),
                startTime: startTime, status: record.status, namespaces: record.namespaces)
            sample.cgroupID = record.cgroupID
            var malformed = false
            try readProcessFiles(pid, &process, &sample, &malformed)
            try readIDMaps(pid, &process, &sample, &malformed)
            try readMounts(pid, &process, &sample, &malformed)
            finish(&sample, malformed: malformed)
            return .sample(sample)
        case .failure(let failure):
            if failure.permissionDenied {
                counters.unreadable += 1
            } else {
                problems.append(SampleProblem(pid: pid, file: process.path("stat"), reason: failure.reason.description))
            }
            return .dropped
        }
    }

    /// A process known by identity: the record replaces stat, status and namespaces; cmdline,
    /// environ, cwd and exe are kept; /proc is opened only for a changed cgroup or for the first
    /// process of a namespace whose uid/gid maps or mountinfo this sample has not read yet.
    private mutating func refresh(_ known: ProcessSample, record: TaskRecord) -> Outcome {
        var sample = known
        sample.stat = record.stat(clockTicksPerSecond: node.clockTicksPerSecond, comm: record.isKernelThread ? known.stat.comm : nil)
        sample.status = record.status
        sample.namespaces = record.namespaces
        if !sample.unavailable.isEmpty {
            for field in Self.refreshedFields { sample.unavailable[field] = nil }
        }
        let cgroupChanged = known.cgroupID != record.cgroupID
        sample.cgroupID = record.cgroupID
        let userNS = record.namespaces[.user], mountNS = record.namespaces[.mnt]
        let mapsKnown = userNS.map { idMaps[$0] != nil } ?? false
        let mountsKnown = mountNS.map { hasMountTable($0) } ?? true
        if !cgroupChanged && mapsKnown && mountsKnown {
            let cached = idMaps[userNS!]!
            sample.uidMap = value(of: cached.uid, field: "uid_map", &sample)
            sample.gidMap = value(of: cached.gid, field: "gid_map", &sample)
            finish(&sample, malformed: false)
            return .sample(sample)
        }
        return withProcessFiles(record.pid) { reader, process throws(Vanished) in
            var malformed = false
            if cgroupChanged {
                sample.unavailable["cgroups"] = nil
                sample.cgroups = try reader.readCgroups(record.pid, &process, &sample, &malformed)
            }
            try reader.readIDMaps(record.pid, &process, &sample, &malformed)
            try reader.readMounts(record.pid, &process, &sample, &malformed)
            reader.finish(&sample, malformed: malformed)
            return .sample(sample)
        }
    }
}
