import ProcFS

/// One PanDA job on the node: the payload root the pilot started in the job directory, all its
/// descendants, and the evidence for its PanDA ID.
public struct Job: Sendable, Equatable {
    public var pandaID: String
    public var taskID: String?
    public var attemptNumber: String?
    public var pilotPID: Int32
    /// The payload root: the pilot's child (or descendant) that leads its own session in the job directory.
    public var rootPID: Int32
    /// Root first, then by PID.
    public var processes: [ProcessSample]
    /// The job directory `.../PanDA_Pilot-<id>`.
    public var jobDirectory: String
    public var evidence: [AttributionEvidence]
    /// Pilot-side evidence that names another PanDA ID than the job directory.
    public var conflicts: [AttributionEvidence]
    public var spoofs: [SpoofedClaim]
    /// PID -> the container runtime the process runs under (itself or its nearest ancestor in the job).
    public var containers: [Int32: ContainerInfo]
    public var batchJobID: BatchJobID?
    /// How the payload root was recognised; anything but `.jobDirectory` means it runs outside
    /// the job directory now (TRACE-ATTR warns).
    public var rootRecognition: RootRecognition

    public init(pandaID: String, taskID: String?, attemptNumber: String?, pilotPID: Int32, rootPID: Int32,
                processes: [ProcessSample], jobDirectory: String, evidence: [AttributionEvidence],
                conflicts: [AttributionEvidence], spoofs: [SpoofedClaim], containers: [Int32: ContainerInfo],
                batchJobID: BatchJobID?, rootRecognition: RootRecognition = .jobDirectory) {
        self.rootRecognition = rootRecognition
        self.pandaID = pandaID
        self.taskID = taskID
        self.attemptNumber = attemptNumber
        self.pilotPID = pilotPID
        self.rootPID = rootPID
        self.processes = processes
        self.jobDirectory = jobDirectory
        self.evidence = evidence
        self.conflicts = conflicts
        self.spoofs = spoofs
        self.containers = containers
        self.batchJobID = batchJobID
    }

    public var root: ProcessSample { processes[0] }

    /// The job's container: the first runtime seen from the root down, with its image when any
    /// runtime process of the job shows one.
    public var container: ContainerInfo? {
        let seen = processes.compactMap { containers[$0.pid] }
        guard var first = seen.first else { return nil }
        if first.image == nil, let image = seen.first(where: { $0.image != nil })?.image { first.image = image }
        return first
    }
}

/// How a payload root was told from the pilot's helpers. A root is a session leader below a pilot;
/// what marks it as a payload must survive a `cd`, since the payload controls its working directory.
public enum RootRecognition: String, Sendable, Equatable, Codable {
    /// It runs in (or below) the job directory `PanDA_Pilot-<id>` the pilot made.
    case jobDirectory = "job_directory"
    /// The daemon saw this very process (boot, pid, start ticks) in the job in an earlier cycle:
    /// once seen, a payload stays one wherever it goes.
    case earlierSighting = "earlier_sighting"
    /// It left its job directory (and is not in PILOT_HOME, where the pilot's helpers run), but the
    /// environment the pilot gave it at exec names the job (`PANDAID`).
    case execEnvironment = "exec_environment"
}

/// A process that claims a PanDA ID (environment or job directory) but runs under no pilot:
/// an escaped payload, or something pretending to be one.
public struct UnattributedProcess: Sendable, Equatable {
    public var process: ProcessSample
    public var claimedPandaID: String
    /// Where the claim was seen: an environment variable name or `job_directory`.
    public var claimSource: String

    public init(process: ProcessSample, claimedPandaID: String, claimSource: String) {
        self.process = process
        self.claimedPandaID = claimedPandaID
        self.claimSource = claimSource
    }
}

/// Pilots, their jobs and the unattributed processes of one snapshot.
public struct JobGraph: Sendable, Equatable {
    public var pilots: [Pilot]
    public var jobs: [Job]
    public var unattributed: [UnattributedProcess]

    public init(pilots: [Pilot], jobs: [Job], unattributed: [UnattributedProcess]) {
        self.pilots = pilots
        self.jobs = jobs
        self.unattributed = unattributed
    }

    public func pilot(pid: Int32) -> Pilot? { pilots.first { $0.pid == pid } }

    /// Pilots by PID, for looking up every job's pilot at once (`pilot(pid:)` is a linear search).
    public var pilotsByPID: [Int32: Pilot] {
        Dictionary(pilots.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var payloadProcessCount: Int { jobs.reduce(0) { $0 + $1.processes.count } }
}
