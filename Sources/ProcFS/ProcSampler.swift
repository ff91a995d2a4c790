import Base
import CProcShim
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Samples processes from a proc root (`/proc`, or a fixture tree / copy for tests and offline
/// analysis) into a `Snapshot`.
///
/// Each file of a process is read at most once per sample; uid/gid maps once per user namespace
/// and mountinfo once per mount namespace. A process is read through a directory descriptor
/// opened first, so if its PID is reused mid-read the reads fail instead of mixing two processes.
public struct ProcSampler: Sendable {
    public var procRoot: String
    /// Which environment variables are kept (the rest never leave the parser).
    public var environmentAllowlist: EnvironmentAllowlist
    /// Kept mount tables between samples (the daemon); nil reads every table every sample.
    public var mountWatch: MountTableWatch?

    public init(procRoot: String = "/proc", extraEnvironment: [String] = [], mountWatch: MountTableWatch? = nil) {
        self.procRoot = procRoot
        self.environmentAllowlist = EnvironmentAllowlist(extra: extraEnvironment)
        self.mountWatch = mountWatch
    }

    /// Samples every process, or only `pids` when given (a missing PID is then a problem).
    ///
    /// A process whose identity matches its sample in `known` (keyed by PID; the daemon passes its
    /// previous cycle) is not parsed again in full: only what can change while a process lives is
    /// re-read (status: uids, capabilities, NoNewPrivs, seccomp, TracerPid; namespace links;
    /// cgroup; uid/gid maps and mountinfo once per namespace as always). cmdline, environ, cwd
    /// and exe are kept from the known sample.
    public func sample(pids: [Int32]? = nil, reusing known: [Int32: ProcessSample] = [:]) throws(ProcRootError) -> Snapshot {
        let takenAt = UTCTime.now()
        let node = try NodeFactsReader(procRoot: procRoot).read()
        let targets: [Int32]
        let explicit = pids != nil
        if let pids {
            targets = Array(Set(pids)).sorted()
        } else {
            do {
                targets = try Syscalls.listPIDs(procRoot).sorted()
            } catch {
                throw ProcRootError(path: procRoot, reason: "cannot list: \(error.reason)")
            }
        }
        var reader = ProcessReader(procRoot: procRoot, node: node, allowlist: environmentAllowlist, mountWatch: mountWatch)
        var processes: [ProcessSample] = []
        processes.reserveCapacity(targets.count)
        for pid in targets {
            switch reader.read(pid: pid, known: known[pid]) {
            case .sample(let sample): processes.append(sample)
            case .vanished:
                if explicit {
                    reader.problems.append(SampleProblem(pid: pid, file: "\(procRoot)/\(pid)", reason: "no such process"))
                } else {
                    reader.counters.vanished += 1
                }
            case .dropped: break
            }
        }
        reader.counters.processes = processes.count
        if !explicit { reader.finishSample() }
        return Snapshot(
            takenAt: takenAt, procRoot: procRoot, node: node, counters: reader.counters, processes: processes,
            mountNamespaces: reader.mountNamespaces(), problems: reader.problems)
    }
}

/// The state of one sample in progress: buffers, per-namespace caches, counters, problems.
struct ProcessReader {
    enum Outcome {
        case sample(ProcessSample)
        /// Exited before or while being read: normal, counted, never an error.
        case vanished
        /// Its stat was malformed or unreadable: reported as a problem.
        case dropped
    }

    /// The fields a known process's refresh reads again (both samplers; /proc also reads cgroups).
    static let refreshedFields = ["status", "uid_map", "gid_map"] + NamespaceKind.allCases.map { "ns." + $0.rawValue }

    /// Thrown inside a read when the process is found gone.
    struct Vanished: Error {}

    let procRoot: String
    let node: NodeFacts
    let allowlist: EnvironmentAllowlist
    var counters = SampleCounters()
    var problems: [SampleProblem] = []
    var buffer: [UInt8] = []
    /// Parsed cgroup files and kept environments, shared by processes whose content is the same.
    var cgroupFiles = ContentCache<[CgroupEntry]>()
    /// Parsed mountinfo lines by their text after the two mount IDs (`MountEntry.parseFile(_:sharing:)`).
    var mountLines = ContentCache<MountEntry>()
    var environments = SharedEnvironments()
    var lastCommandLine = LastCommandLine()
    /// The cwd and exe links read last, by their bytes.
    var recentCwds = RecentBytes<LinkTarget>()
    var recentExes = RecentBytes<LinkTarget>()
    /// The last few distinct namespace sets read, shared by the processes that have them.
    var recentNamespaces: [NamespaceSet] = []
    /// The last status parsed: its uid, gid and group arrays are shared by the next processes
    /// that have the same ones.
    var lastStatus: ProcessStatus?
    var idMaps: [UInt64: (uid: Result<[IDMapEntry], FieldFailure>, gid: Result<[IDMapEntry], FieldFailure>)] = [:]
    var mountTables: [UInt64: MountNamespaceSample] = [:]
    let mountWatch: MountTableWatch?
    /// Set by the BPF sampler when the pass accounted for every task (no /proc listing).
    var skippedListing = false
    /// The proc root, open for this sample (nil when it cannot be opened: each process's
    /// directory is then opened by its path and fails on its own).
    let root: OpenProcRoot?

    init(procRoot: String, node: NodeFacts, allowlist: EnvironmentAllowlist, mountWatch: MountTableWatch? = nil) {
        self.procRoot = procRoot
        self.node = node
        self.allowlist = allowlist
        self.mountWatch = mountWatch
        root = try? OpenProcRoot(procRoot)
        mountWatch?.poll()
    }

    func mountNamespaces() -> [MountNamespaceSample] {
        mountTables.values.sorted { $0.inode < $1.inode }
    }

    mutating func read(pid: Int32, known: ProcessSample? = nil) -> Outcome {
        withProcessFiles(pid) { reader, process throws(Vanished) in try reader.read(pid: pid, &process, known: known) }
    }

    /// Opens `/proc/<pid>` as a directory fd that every read of the process goes through (a reused
    /// PID then fails instead of mixing two processes): gone is vanished, refused is counted.
    mutating func withProcessFiles(
        _ pid: Int32, _ body: (inout ProcessReader, inout ProcessFiles) throws(Vanished) -> Outcome
    ) -> Outcome {
        let opened: ProcDirectory
        do {
            if let root {
                opened = try Syscalls.openProcDirectory(at: root.directory, pid: pid, displayPath: ProcessFiles.directory(procRoot, pid))
            } else {
                opened = try Syscalls.openProcRoot(ProcessFiles.directory(procRoot, pid))
            }
        } catch {
            if error.isNotFound { return .vanished }
            if error.isPermissionDenied {
                counters.unreadable += 1
            } else {
                problems.append(SampleProblem(pid: pid, file: ProcessFiles.directory(procRoot, pid), reason: error.reason))
            }
            return .dropped
        }
        defer { Syscalls.closeFile(opened.fd) }
        var process = ProcessFiles(procRoot: procRoot, pid: pid, opened: opened)
        do {
            return try body(&self, &process)
        } catch {
            return .vanished
        }
    }

    private mutating func read(pid: Int32, _ process: inout ProcessFiles, known: ProcessSample?) throws(Vanished) -> Outcome {
        let stat: ProcessStat
        switch try process.readFile("stat", into: &buffer) {
        case .success(let count):
            do throws(ParseError) {
                stat = try ProcessStat.parse(buffer[0..<count])
            } catch {
                report(pid: pid, process, error)
                counters.malformed += 1
                return .dropped
            }
        case .failure(let failure):
            // Refused (hidepid=noaccess, an LSM): the process exists but shows nothing. That is
            // the node's configuration, not bad input: count it, do not report it as a problem.
            if failure.permissionDenied {
                counters.unreadable += 1
            } else {
                problems.append(SampleProblem(pid: pid, file: process.path("stat"), reason: failure.reason.description))
            }
            return .dropped
        }
        let identity = ProcessIdentity(bootID: node.bootID ?? "", pid: pid, startTicks: stat.startTicks)
        var sample = ProcessSample(
            identity: identity, stat: stat,
            startTime: node.startTime(ticks: stat.startTicks))
        if let known, known.identity == identity {
            return .sample(try refresh(known, stat: stat, pid: pid, &process))
        }
        var malformed = false

        let earlier = lastStatus
        sample.status = try parsed("status", pid, &process, &sample, &malformed) { bytes throws(ParseError) in
            try ProcessStatus.parse(bytes, sharing: earlier)
        }
        if let status = sample.status { lastStatus = status }
        try readProcessFiles(pid, &process, &sample, &malformed)
        try readNamespaces(pid, &process, &sample, &malformed)
        finish(&sample, malformed: malformed)
        return .sample(sample)
    }

    /// What only /proc gives, per process: cmdline, environ (allowlisted), cgroup, cwd, exe.
    mutating func readProcessFiles(_ pid: Int32, _ process: inout ProcessFiles, _ sample: inout ProcessSample,
                                   _ malformed: inout Bool) throws(Vanished) {
        switch try process.readFile("cmdline", into: &buffer) {
        case .success(let count): sample.arguments = lastCommandLine.arguments(buffer[0..<count])
        case .failure(let failure): sample.unavailable["cmdline"] = failure.reason
        }
        switch try process.readFile("environ", into: &buffer) {
        case .success(let count): sample.environment = allowlist.parse(buffer[0..<count], sharing: &environments)
        case .failure(let failure): sample.unavailable["env"] = failure.reason
        }
        sample.cgroups = try readCgroups(pid, &process, &sample, &malformed)
        sample.cwd = try link("cwd", &process, &sample)
        sample.exe = try link("exe", &process, &sample)
    }

    /// Names the normal absences of kernel threads and zombies, and counts the process.
    mutating func finish(_ sample: inout ProcessSample, malformed: Bool) {
        // Kernel threads have no memory map, zombies have released theirs: exe and environ
        // then fail with ENOENT/ESRCH, which is the normal state of such a task, not an error.
        if sample.stat.isKernelThread || sample.stat.state == "Z" {
            let reason: UnavailableReason = sample.stat.isKernelThread ? .kernelThread : .zombie
            for (field, why) in sample.unavailable where why.isAbsent {
                sample.unavailable[field] = reason
            }
        }
        if malformed { counters.malformed += 1 }
        countUnreadable(sample)
    }

    /// A process with a field refused counts once as unreadable.
    mutating func countUnreadable(_ sample: ProcessSample) {
        if sample.unavailable.values.contains(where: \.isRefused) {
            counters.unreadable += 1
        }
    }

    /// Reads and parses one file; a failure to read or parse leaves the field nil and says why.
    mutating func parsed<T>(
        _ file: String, _ pid: Int32, _ process: inout ProcessFiles, _ sample: inout ProcessSample,
        _ malformed: inout Bool, field: String? = nil, _ parse: (Bytes) throws(ParseError) -> T
    ) throws(Vanished) -> T? {
        switch try process.readFile(file, into: &buffer) {
        case .success(let count):
            do throws(ParseError) {
                return try parse(buffer[0..<count])
            } catch {
                report(pid: pid, process, error)
                sample.unavailable[field ?? file] = .malformed(error.summary)
                malformed = true
                return nil
            }
        case .failure(let failure):
            sample.unavailable[field ?? file] = failure.reason
            return nil
        }
    }

    /// `parsed("cgroup", ...)` through the sample's `ContentCache`: a file seen before is
    /// neither parsed nor stored again.
    mutating func readCgroups(_ pid: Int32, _ process: inout ProcessFiles, _ sample: inout ProcessSample,
                              _ malformed: inout Bool) throws(Vanished) -> [CgroupEntry]? {
        switch try process.readFile("cgroup", into: &buffer) {
        case .success(let count):
            do throws(ParseError) {
                let file = buffer[0..<count]
                let parsed = file.withUnsafeBytes { bytes in
                    Result { () throws(ParseError) in try cgroupFiles.value(for: bytes) { () throws(ParseError) in try CgroupEntry.parseFile(file) } }
                }
                return try parsed.get()
            } catch {
                report(pid: pid, process, error)
                sample.unavailable["cgroups"] = .malformed(error.summary)
                malformed = true
                return nil
            }
        case .failure(let failure):
            sample.unavailable["cgroups"] = failure.reason
            return nil
        }
    }

    /// A process's `cwd` or `exe` link (`name`); one of the last few read is taken as it was.
    mutating func link(_ name: StaticString, _ process: inout ProcessFiles, _ sample: inout ProcessSample) throws(Vanished) -> LinkTarget? {
        switch try process.readLink(name, into: &buffer) {
        case .success(let count):
            let target = buffer[0..<count]
            if name.utf8Start.pointee == UInt8(ascii: "c") {
                return recentCwds.value(for: target) { LinkTarget.parse(target) }
            }
            return recentExes.value(for: target) { LinkTarget.parse(target) }
        case .failure(let failure):
            sample.unavailable[name.description] = failure.reason
            return nil
        }
    }

    /// The nine namespace links, then what belongs to the namespaces: uid/gid maps once per user
    /// namespace and mountinfo once per mount namespace.
    private mutating func readNamespaces(_ pid: Int32, _ process: inout ProcessFiles, _ sample: inout ProcessSample,
                                         _ malformed: inout Bool) throws(Vanished) {
        // All nine links in one C call (no String, no allocation per link). A link that cannot
        // be read fails as before; one that does not read as `kind:[inode]` is read again here,
        // to say why.
        var failed: [(kind: NamespaceKind, errno: Int32)] = []
        let recent = recentNamespaces
        sample.namespaces = withUnsafeTemporaryAllocation(of: Int32.self, capacity: NamespaceSet.count) { errors in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: NamespaceSet.count) { inodes in
                isotrace_read_namespace_links(process.fd.rawValue, inodes.baseAddress!, errors.baseAddress!)
                for kind in NamespaceKind.all where errors[kind.slot] != 0 {
                    failed.append((kind, errors[kind.slot]))
                }
                let read = UnsafeBufferPointer(inodes)
                // The processes of a job share their namespaces: one of the last sets read is taken
                // as it is (no array per process, and the writer knows it again).
                if let same = recent.last(where: { $0.hasSlots(read) }) { return same }
                return NamespaceSet(filling: { $0.update(fromContentsOf: read) })
            }
        }
        if !recentNamespaces.contains(where: { $0 == sample.namespaces }) {
            if recentNamespaces.count == 4 { recentNamespaces.removeFirst() }
            recentNamespaces.append(sample.namespaces)
        }
        for (kind, errno) in failed {
            if errno > 0 {
                sample.unavailable["ns." + kind.rawValue] = try process.linkFailure(kind.linkName, errno: errno).reason
                continue
            }
            switch try process.readLink(kind.linkName, into: &buffer) {
            case .success(let count):
                do throws(ParseError) {
                    sample.namespaces[kind] = try NamespaceSet.parseLink(buffer[0..<count], expecting: kind)
                } catch {
                    report(pid: pid, process, error)
                    sample.unavailable["ns." + kind.rawValue] = .malformed(error.summary)
                    malformed = true
                }
            case .failure(let failure):
                sample.unavailable["ns." + kind.rawValue] = failure.reason
            }
        }
        try readIDMaps(pid, &process, &sample, &malformed)
        try readMounts(pid, &process, &sample, &malformed)
    }

    /// uid_map and gid_map are properties of the user namespace: read once per namespace.
    mutating func readIDMaps(_ pid: Int32, _ process: inout ProcessFiles, _ sample: inout ProcessSample,
                                     _ malformed: inout Bool) throws(Vanished) {
        if let userNS = sample.namespaces[.user], let cached = idMaps[userNS] {
            sample.uidMap = value(of: cached.uid, field: "uid_map", &sample)
            sample.gidMap = value(of: cached.gid, field: "gid_map", &sample)
            return
        }
        let uid = try readMap("uid_map", pid, &process, &malformed)
        let gid = try readMap("gid_map", pid, &process, &malformed)
        if let userNS = sample.namespaces[.user] { idMaps[userNS] = (uid, gid) }
        sample.uidMap = value(of: uid, field: "uid_map", &sample)
        sample.gidMap = value(of: gid, field: "gid_map", &sample)
    }

    func value(of result: Result<[IDMapEntry], FieldFailure>, field name: String,
                       _ sample: inout ProcessSample) -> [IDMapEntry]? {
        switch result {
        case .success(let map): return map
        case .failure(let failure):
            sample.unavailable[name] = failure.reason
            return nil
        }
    }

    private mutating func readMap(_ file: String, _ pid: Int32, _ process: inout ProcessFiles,
                                  _ malformed: inout Bool) throws(Vanished) -> Result<[IDMapEntry], FieldFailure> {
        switch try process.readFile(file, into: &buffer) {
        case .success(let count):
            do throws(ParseError) {
                return .success(try IDMapEntry.parseMap(buffer[0..<count], file: file))
            } catch {
                report(pid: pid, process, error)
                malformed = true
                return .failure(FieldFailure(reason: .malformed(error.summary)))
            }
        case .failure(let failure): return .failure(failure)
        }
    }

    /// mountinfo once per mount namespace, through the first process of it that can be read;
    /// with a `MountTableWatch`, only for namespaces whose table changed since the last sample.
    mutating func readMounts(_ pid: Int32, _ process: inout ProcessFiles, _ sample: inout ProcessSample,
                                     _ malformed: inout Bool) throws(Vanished) {
        guard let mountNS = sample.namespaces[.mnt] else { return }
        // Read once per namespace; only a table that could not be read at all is tried again
        // through the namespace's next process.
        if hasMountTable(mountNS) { return }
        if let watch = mountWatch, watch.hasRoom || watch.file(mountNS) != nil {
            watch.forget(mountNS)
            switch try process.openFile("mountinfo") {
            case .success(let fd):
                let count: Int
                switch try process.readAll(fd, "mountinfo", into: &buffer) {
                case .success(let read): count = read
                case .failure(let failure):
                    Syscalls.closeFile(fd)
                    unreadableTable(mountNS, failure)
                    return
                }
                if let table = mountTable(mountNS, pid, process, count, &malformed), table.mounts != nil {
                    watch.keep(mountNS, fd: fd, table: table)
                } else {
                    Syscalls.closeFile(fd)
                }
            case .failure(let failure):
                unreadableTable(mountNS, failure)
            }
            return
        }
        switch try process.readFile("mountinfo", into: &buffer) {
        case .success(let count): _ = mountTable(mountNS, pid, process, count, &malformed)
        case .failure(let failure):
            unreadableTable(mountNS, failure)
        }
    }

    /// The table of `mountNS` could not be read through this process (the next one may try).
    private mutating func unreadableTable(_ mountNS: UInt64, _ failure: FieldFailure) {
        mountTables[mountNS] = MountNamespaceSample(inode: mountNS, readThroughPID: nil, mounts: nil, unavailable: failure.reason.description)
    }

    /// Parses the mountinfo in `buffer` into this sample's table of `mountNS`.
    private mutating func mountTable(_ mountNS: UInt64, _ pid: Int32, _ process: ProcessFiles, _ count: Int,
                                     _ malformed: inout Bool) -> MountNamespaceSample? {
        let table: MountNamespaceSample
        do throws(ParseError) {
            table = MountNamespaceSample(inode: mountNS, readThroughPID: pid, mounts: try MountEntry.parseFile(buffer[0..<count], sharing: &mountLines))
        } catch {
            report(pid: pid, process, error)
            malformed = true
            table = MountNamespaceSample(inode: mountNS, readThroughPID: pid, mounts: nil, unavailable: UnavailableReason.malformed(error.summary).description)
        }
        mountTables[mountNS] = table
        return table
    }

    /// True when this sample has the table of `mountNS`: read already, or unchanged in the watch
    /// (then taken from it, with the PID it was read through then).
    mutating func hasMountTable(_ mountNS: UInt64) -> Bool {
        if let known = mountTables[mountNS], known.readThroughPID != nil { return true }
        if let table = mountWatch?.unchangedTable(mountNS) {
            mountTables[mountNS] = table
            return true
        }
        return false
    }

    /// Ends a sample: the watch lets go of namespaces no process was seen in.
    func finishSample() {
        mountWatch?.keepOnly(Set(mountTables.keys))
    }

    mutating func report(pid: Int32, _ process: ProcessFiles, _ error: ParseError) {
        problems.append(SampleProblem(pid: pid, file: process.path(error.file), line: error.line, reason: error.reason))
    }
}

/// The command lines of the last few processes read (distinct ones), and their arguments: the
/// processes of a job are often forked from one parent and read one after the other or nearly
/// (AthenaMP's workers, a shell's subshells, a payload root and its workers interleaved), and a
/// command line byte for byte that of one of them is not parsed and redacted again; its
/// arguments are shared (and the JSON writer copies the bytes it wrote for them).
struct LastCommandLine {
    /// How many are kept: on a realistic node of 10,000 processes the last one matched 3,582
    /// command lines, the last four 4,132 of the 4,926 seen before.
    static let kept = 4
    private var lines: [(bytes: [UInt8], arguments: [String])] = []
    /// Where the next new one goes once `kept` are held.
    private var next = 0

    mutating func arguments(_ commandLine: Bytes) -> [String] {
        let count = lines.count
        var index = (next + count - 1) % max(count, 1)
        for _ in 0..<count {
            if lines[index].bytes.count == commandLine.count, commandLine.isEmpty
                || lines[index].bytes.withUnsafeBytes({ kept in commandLine.withUnsafeBytes { memcmp(kept.baseAddress!, $0.baseAddress!, $0.count) == 0 } }) {
                return lines[index].arguments
            }
            index = (index + count - 1) % count
        }
        let arguments = ProcessArguments.parse(commandLine)
        if count < Self.kept {
            lines.append((Array(commandLine), arguments))
            next = lines.count % Self.kept
        } else {
            lines[next] = (Array(commandLine), arguments)
            next = (next + 1) % Self.kept
        }
        return arguments
    }
}

/// Why one field of a process could not be read.
struct FieldFailure: Error {
    var reason: UnavailableReason
    var permissionDenied: Bool { reason.isRefused }
}

extension ParseError {
    /// The reason with its line, for a field's `unavailable` entry.
    var summary: String { line.map { "line \($0): \(reason)" } ?? reason }
}

/// Reads the files of one process through its directory descriptor, telling "this file is
/// missing or refused" (a field failure) from "the process is gone" (`Vanished`).
struct ProcessFiles {
    let procRoot: String
    let pid: Int32
    let opened: ProcDirectory
    var fd: FileDescriptor { opened.fd }

    /// `<proc root>/<pid>`, made only when an error or problem names a file (not per process).
    var directory: String { Self.directory(procRoot, pid) }

    static func directory(_ procRoot: String, _ pid: Int32) -> String { "\(procRoot)/\(pid)" }

    func path(_ name: String) -> String { directory + "/" + name }

    func readFile(_ name: String, into buffer: inout [UInt8]) throws(ProcessReader.Vanished) -> Result<Int, FieldFailure> {
        do {
            return .success(try Syscalls.readFile(at: opened, name, displayPath: path(name), into: &buffer))
        } catch {
            return .failure(try failure(error))
        }
    }

    /// Opens a file to keep (the mount table watch); the caller closes it or hands it on.
    func openFile(_ name: String) throws(ProcessReader.Vanished) -> Result<FileDescriptor, FieldFailure> {
        do {
            return .success(try Syscalls.openFile(at: opened, name, displayPath: path(name)))
        } catch {
            return .failure(try failure(error))
        }
    }

    /// Reads a file opened by `openFile` from its start.
    func readAll(_ file: FileDescriptor, _ name: String, into buffer: inout [UInt8]) throws(ProcessReader.Vanished) -> Result<Int, FieldFailure> {
        do {
            return .success(try Syscalls.readAll(file, displayPath: path(name), into: &buffer))
        } catch {
            return .failure(try failure(error))
        }
    }

    /// Reads a link into `buffer` (reused across reads); its length.
    func readLink(_ name: StaticString, into buffer: inout [UInt8]) throws(ProcessReader.Vanished) -> Result<Int, FieldFailure> {
        do {
            return .success(try Syscalls.readLink(at: fd, name, displayPath: path(name.description), into: &buffer))
        } catch {
            return .failure(try failure(error))
        }
    }

    /// The failure of a link that readlinkat could not read (`errno`), as `readLink` says it.
    func linkFailure(_ name: StaticString, errno: Int32) throws(ProcessReader.Vanished) -> FieldFailure {
        try failure(SystemCallError(operation: "readlink", path: path(name.description), errno: Errno(rawValue: errno)))
    }

    /// ENOENT and ESRCH may mean the task is gone, or only that this file has nothing behind it
    /// (a kernel thread's environ gives ESRCH, a fixture may lack a file): the process is gone
    /// exactly when its `stat` is gone too.
    private func failure(_ error: SystemCallError) throws(ProcessReader.Vanished) -> FieldFailure {
        if error.isNotFound && !Syscalls.exists(at: fd, "stat") { throw ProcessReader.Vanished() }
        return FieldFailure(reason: UnavailableReason(error))
    }
}

extension ProcessReader {
    /// A process known from an earlier sample (same identity): re-reads status, namespace links
    /// and cgroup, and the per-namespace uid/gid maps and mountinfo; keeps cmdline, environ, cwd
    /// and exe. Reasons recorded for re-read fields are dropped first, then set again if need be.
    fileprivate mutating func refresh(_ known: ProcessSample, stat: ProcessStat, pid: Int32,
                                      _ process: inout ProcessFiles) throws(Vanished) -> ProcessSample {
        var sample = known
        sample.stat = stat
        var malformed = false
        if !sample.unavailable.isEmpty {
            for field in Self.refreshedFields + ["cgroups"] { sample.unavailable[field] = nil }
        }
        sample.status = try parsed("status", pid, &process, &sample, &malformed) { bytes throws(ParseError) in
            try ProcessStatus.parse(bytes)
        }
        sample.cgroups = try readCgroups(pid, &process, &sample, &malformed)
        sample.namespaces = NamespaceSet()
        try readNamespaces(pid, &process, &sample, &malformed)
        if stat.state == "Z" {
            for (field, why) in sample.unavailable where why.isAbsent {
                sample.unavailable[field] = .zombie
            }
        }
        if malformed { counters.malformed += 1 }
        countUnreadable(sample)
        // Unchanged: the same storage as before, which the audit recognises without comparing.
        return sample == known ? known : sample
    }
}

/// A proc root held open for one sample, closed when the last sampler state lets go of it.
final class OpenProcRoot: Sendable {
    let directory: ProcDirectory

    init(_ path: String) throws(SystemCallError) {
        directory = try Syscalls.openProcRoot(path)
    }

    deinit { Syscalls.closeFile(directory.fd) }
}
