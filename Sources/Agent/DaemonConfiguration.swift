import CentralStore

/// What `isotrace daemon` was asked to do.
public struct DaemonConfiguration: Sendable {
    public var interval = DurationText(milliseconds: 30_000)
    /// The policy file (already resolved); SIGHUP loads it again.
    public var policyPath: String
    public var outputDirectory = "/var/lib/isotrace"
    public var keyPath: String
    public var metricsPath: String?
    /// The syslog socket, nil for no syslog.
    public var syslogSocket: String?
    /// How many syslog messages may wait for a full socket before the oldest is dropped (counted).
    public var syslogQueueLimit = SyslogSender.defaultQueueLimit
    public var fullEvery = DurationText(milliseconds: 3_600_000)
    /// With epoch keys: a new signing key at start and this often (`--key-epoch`).
    public var keyEpoch = DurationText(milliseconds: 3_600_000)
    /// Record the event source's processes once this many events wait, without sampling
    /// (`--event-flush`): an events-only cycle (`DaemonLoop.eventCycle`).
    public var eventFlush = 100_000
    /// A heartbeat record every this many cycles (and one at a clean stop).
    public var heartbeatEvery = 10
    public var procRoot = "/proc"
    public var confine = true
    /// Keep DIR/index.sqlite up to date after each cycle that appended records.
    public var updateIndex = true
    /// Ship new records to this central database after each cycle (`--sink`).
    public var sink: SinkConnector?
    /// The binary's version, for the metrics' `isotrace_build_info`.
    public var version = "unknown"

    public init(policyPath: String, outputDirectory: String, keyPath: String) {
        self.policyPath = policyPath
        self.outputDirectory = outputDirectory
        self.keyPath = keyPath
    }
}
