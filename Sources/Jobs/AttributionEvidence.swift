/// One piece of evidence for a payload's PanDA ID, with where it came from. Pilot-side evidence
/// (the job directory the pilot created, the environment the pilot set at exec time, the command
/// line the pilot built) is believed; what a payload says about itself later is not.
public struct AttributionEvidence: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable {
        /// The payload root runs in `PanDA_Pilot-<id>`, created by the pilot.
        case jobDirectory = "job_directory"
        /// PANDAID / PandaID in the payload root's environment as the pilot set it at exec time.
        case rootEnvironment = "root_environment"
        /// `export PandaID=<id>` in the payload root's command line (ATLAS plugin).
        case commandLine = "command_line"
    }

    public var source: Source
    public var pandaID: String
    /// The path, variable or argument the ID was read from.
    public var detail: String

    public init(source: Source, pandaID: String, detail: String) {
        self.source = source
        self.pandaID = pandaID
        self.detail = detail
    }
}

/// A payload process whose own environment claims another PanDA ID than its job's pilot-side
/// evidence: it stays in its real job and is reported (TRACE-ATTR).
public struct SpoofedClaim: Sendable, Equatable, Codable {
    public var pid: Int32
    public var claimedPandaID: String
    public var variable: String

    public init(pid: Int32, claimedPandaID: String, variable: String) {
        self.pid = pid
        self.claimedPandaID = claimedPandaID
        self.variable = variable
    }
}
