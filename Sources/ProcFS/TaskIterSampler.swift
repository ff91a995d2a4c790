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
/// samplers list the same processes. Always reads the live `/proc`: BPF sees the running kernel only.
public struct TaskIterSampler: Sendable {
    public let iterator: TaskIterator
    public var environmentAllowlist: EnvironmentAllowlist
    public let procRoot = "/proc"

    public init(iterator: TaskIterator, extraEnvironment: [String] = []) {
        self.iterator = iterator
        self.environmentAllowlist = EnvironmentAllowlist(extra: extraEnvironment)
    }

    /// Samples every process, or only `pids` when given (a missing PID is then a problem).
    public func sample(pids: [Int32]? = nil, reusing known: [Int32: ProcessSample] = [:]) throws(ProcRootError) -> Snapshot {
        let takenAt = UTCTime.now()
        let node = try NodeFactsReader(procRoot: procRoot).read()
        var records: [TaskRecord]
        do {
            records = try iterator.read()
        } catch {
            throw ProcRootError(path: "BPF task iterator", reason: error.reason)
        }
        records.sort { $0.pid < $1.pid }
        var reader = ProcessReader(procRoot: procRoot, node: node, allowlist: environmentAllowlist)
        var processes: [ProcessSample] = []
        if let pids {
            let wanted = Set(pids)
            let found = Dictionary(records.filter { wanted.contains($0.pid) }.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
            for pid in wanted.sorted() {
                let outcome = found[pid].map { reader.read(record: $0, known: known[pid]) } ?? reader.read(pid: pid, known: known[pid])
                switch outcome {
                case .sample(let sample): processes.append(sample)
                case .vanished: reader.problems.append(SampleProblem(pid: pid, file: "\(procRoot)/\(pid)", reason: "no such process"))
                case .dropped: break
                }
            }
        } else {
            let listed: [Int32]
            do {
                listed = try Syscalls.listDirectory(procRoot).compactMap { name in
                    name.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } ? Int32(name) : nil
                }
            } catch {
                throw ProcRootError(path: procRoot, reason: "cannot list: \(error.reason)")
            }
            let reported = Set(records.map(\.pid))
            let unreported = listed.filter { !reported.contains($0) }.sorted()
            processes.reserveCapacity(records.count + unreported.count)
            var next = unreported.startIndex
            for record in records + [nil] {
                // Merged in PID order, as ProcSampler goes (mountinfo is read through the first PID of a namespace).
                while next < unreported.endIndex && unreported[next] < record?.pid ?? Int32.max {
                    append(reader.read(pid: unreported[next], known: known[unreported[next]]), &reader, &processes)
                    next += 1
                }
                if let record { append(reader.read(record: record, known: known[record.pid]), &reader, &processes) }
            }
        }
        reader.counters.processes = processes.count
        return Snapshot(
            takenAt: takenAt, procRoot: procRoot, node: node, counters: reader.counters, processes: processes,
            mountNamespaces: reader.mountNamespaces(), problems: reader.problems, sampler: .bpf)
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
    /// One process from its BPF record, completed from /proc.
    mutating func read(record: TaskRecord, known: ProcessSample?) -> Outcome {
        if record.isIncomplete { return read(pid: record.pid, known: known) }
        let ticks = record.startTicks(clockTicksPerSecond: node.clockTicksPerSecond)
        let identity = ProcessIdentity(bootID: node.bootID ?? "", pid: record.pid, startTicks: ticks)
        let startTime = UTCTime(bootTime: node.bootTime, ticks: ticks, ticksPerSecond: node.clockTicksPerSecond)
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
                problems.append(SampleProblem(pid: pid, file: process.path("stat"), reason: failure.reason))
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
        for field in ["status", "uid_map", "gid_map"] + NamespaceKind.allCases.map({ "ns." + $0.rawValue }) {
            sample.unavailable[field] = nil
        }
        let cgroupChanged = known.cgroupID != record.cgroupID
        sample.cgroupID = record.cgroupID
        let userNS = record.namespaces[.user], mountNS = record.namespaces[.mnt]
        let mapsKnown = userNS.map { idMaps[$0] != nil } ?? false
        let mountsKnown = mountNS.map { mountTables[$0]?.readThroughPID != nil } ?? true
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
                sample.cgroups = try reader.parsed("cgroup", record.pid, &process, &sample, &malformed, field: "cgroups") { bytes throws(ParseError) in
                    try CgroupEntry.parseFile(bytes)
                }
            }
            try reader.readIDMaps(record.pid, &process, &sample, &malformed)
            try reader.readMounts(record.pid, &process, &sample, &malformed)
            reader.finish(&sample, malformed: malformed)
            return .sample(sample)
        }
    }
}
