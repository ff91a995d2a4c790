import Base

/// One sample of the whole node (or of the PIDs asked for).
public struct Snapshot: Sendable, Equatable {
    public var takenAt: UTCTime
    public var procRoot: String
    public var node: NodeFacts
    public var counters: SampleCounters
    /// Sorted by PID.
    public var processes: [ProcessSample]
    /// Sorted by inode.
    public var mountNamespaces: [MountNamespaceSample]
    /// Malformed content and missing PIDs, each naming the PID and file.
    public var problems: [SampleProblem]
    /// Which sampler took it.
    public var sampler: SamplerKind
    /// BPF only: /proc was not listed, because the pass accounted for every task of the kernel
    /// (see `TaskIterSampler`). Not encoded: how, not what, was sampled.
    public var skippedListing = false

    public init(takenAt: UTCTime, procRoot: String, node: NodeFacts, counters: SampleCounters,
                processes: [ProcessSample], mountNamespaces: [MountNamespaceSample], problems: [SampleProblem],
                sampler: SamplerKind = .procfs) {
        self.takenAt = takenAt
        self.procRoot = procRoot
        self.node = node
        self.counters = counters
        self.processes = processes
        self.mountNamespaces = mountNamespaces
        self.problems = problems
        self.sampler = sampler
    }
}

/// How a sample went: processes kept, processes that exited while being read (normal), processes
/// with at least one field refused by the kernel, and processes with malformed files.
public struct SampleCounters: Sendable, Equatable, Codable {
    public var processes = 0
    public var vanished = 0
    public var unreadable = 0
    public var malformed = 0

    /// In sorted order: `SnapshotJSONWriter` writes them in this order (`SnapshotKey`).
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case malformed, processes, unreadable, vanished
    }

    public init(processes: Int = 0, vanished: Int = 0, unreadable: Int = 0, malformed: Int = 0) {
        self.processes = processes
        self.vanished = vanished
        self.unreadable = unreadable
        self.malformed = malformed
    }
}

/// Something wrong with the input that the user must hear about: a malformed file, a PID asked
/// for that does not exist. Always names the PID (when there is one), the file and the reason.
public struct SampleProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public var pid: Int32?
    public var file: String
    public var line: Int?
    public var reason: String

    /// In sorted order: `SnapshotJSONWriter` writes them in this order (`SnapshotKey`); absent
    /// `line` and `pid` are left out, as synthesized `Codable` leaves them out.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case file, line, pid, reason
    }

    public init(pid: Int32?, file: String, line: Int? = nil, reason: String) {
        self.pid = pid
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return "\(location): \(reason)"
    }
}
