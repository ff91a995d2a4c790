import ProcFS

/// A running pilot: the process running pilot.py (or, without one, its wrapper), the wrapper
/// above it, and its pilot-side processes (helpers it runs that are not payloads).
public struct Pilot: Sendable, Equatable {
    /// The innermost pilot process (python pilot.py): its credentials are the ones to protect.
    public var process: ProcessSample
    /// The runpilot wrapper above it, when seen.
    public var wrapper: ProcessSample?
    /// PIDs of pilot-side processes under it (helpers such as `ps`, `lscpu`, `df`), sorted.
    public var pilotSidePIDs: [Int32]
    /// The batch system's job ID from the pilot's (or wrapper's) environment.
    public var batchJobID: BatchJobID?

    public init(process: ProcessSample, wrapper: ProcessSample?, pilotSidePIDs: [Int32], batchJobID: BatchJobID?) {
        self.process = process
        self.wrapper = wrapper
        self.pilotSidePIDs = pilotSidePIDs
        self.batchJobID = batchJobID
    }

    public var pid: Int32 { process.pid }
}

/// A batch system's job ID and which variable held it.
public struct BatchJobID: Sendable, Equatable, Codable {
    /// Where the ID was read: the pilot side's environment, or the batch system's cgroup path
    /// (which the payload cannot set, and which wins when the two disagree).
    public enum Source: String, Sendable, Codable {
        case environment, cgroup
    }

    /// The variable that held it; for an ID from the cgroup, the variable that carries the same
    /// ID in the environment (`SLURM_JOB_ID`).
    public var variable: String
    public var value: String
    public var source: Source

    public init(variable: String, value: String, source: Source = .environment) {
        self.variable = variable
        self.value = value
        self.source = source
    }

    enum CodingKeys: String, CodingKey { case variable, value, source }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        variable = try container.decode(String.self, forKey: .variable)
        value = try container.decode(String.self, forKey: .value)
        source = try container.decodeIfPresent(Source.self, forKey: .source) ?? .environment
    }

    /// In order of preference; `_CONDOR_JOB_AD` is a path to the job ad, kept as the value.
    static let variables = ["HTCondor_Job_ID", "SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID", "JOB_ID", "_CONDOR_JOB_AD"]

    static func find(in environments: [[String: String]?]) -> BatchJobID? {
        for variable in variables {
            for environment in environments {
                if let value = environment?[variable], !value.isEmpty { return BatchJobID(variable: variable, value: value) }
            }
        }
        return nil
    }
}
