#if canImport(Glibc)
import Glibc
#endif
import Base
import Policy
import ProcFS

/// The daemon's numbers after a cycle, for node_exporter's textfile collector.
public struct DaemonMetrics: Sendable, Equatable {
    /// A failing/passing/... verdict count by rule, status and severity.
    public struct FindingKey: Sendable, Hashable {
        public var rule: String
        public var status: String
        public var severity: String

        public init(rule: String, status: String, severity: String) {
            self.rule = rule
            self.status = status
            self.severity = severity
        }

        /// The key a finding is counted under.
        public init(_ finding: Finding) {
            self.init(rule: finding.rule, status: finding.status.rawValue, severity: finding.severity.rawValue)
        }
    }

    public var jobs = 0
    public var payloadProcesses = 0
    public var findings: [FindingKey: Int] = [:]
    public var jobsNotIsolated = 0
    public var cycleDurationSeconds = 0.0
    public var recordsTotal = 0
    public var lastCycleTimestampSeconds = 0.0
    public var errorsTotal: [String: Int] = [:]
    /// False in the file a clean stop leaves behind, so a stopped daemon's last values never read
    /// as current (after a crash the file keeps saying 1: watch the last cycle's timestamp too).
    public var up = true
    /// `isotrace_build_info`'s labels: the binary's version and the sampler of the last cycle.
    public var version = ""
    public var sampler = ""
    /// Syslog messages sent, dropped and waiting; nil without --syslog (no syslog families then).
    public var syslog: SyslogSender.Counts?
    /// The process event source's state and counters (nil: the daemon did not say).
    public var processEvents: ProcessEventCounts?
    /// Events-only cycles since the daemon started (`--event-flush` events waiting, or SIGUSR2).
    public var eventCycles = 0
    /// Ended processes the events saw that wait, after the last cycle, for a sample to decide their job.
    public var eventsWaiting = 0

    public init() {}
}

/// Writes `DaemonMetrics` in the Prometheus text exposition format (version 0.0.4), atomically:
/// to a temp file in the same directory, then rename(2) over the target, so the textfile
/// collector never reads half a file. The temp name does not end in `.prom`, which the collector
/// ignores.
public struct MetricsFile: Sendable {
    public var path: String

    public init(path: String) { self.path = path }

    public func write(_ metrics: DaemonMetrics) throws(SystemCallError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(Syscalls.processID()).tmp"
        try Syscalls.removeExisting(temporary)
        guard let fd = try Syscalls.createStateFile(temporary, O_WRONLY, mode: 0o644) else {
            throw SystemCallError(operation: "open", path: temporary, errno: .fileExists)
        }
        do {
            try Syscalls.writeAll(fd, Array(Self.render(metrics).utf8), path: temporary)
            Syscalls.closeFile(fd)
            try Syscalls.rename(temporary, path)
        } catch {
            Syscalls.closeFile(fd)
            Syscalls.remove(temporary)
            throw error
        }
    }

    /// The exposition text: each family with its HELP and TYPE lines, samples sorted by labels.
    public static func render(_ metrics: DaemonMetrics) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            out += "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
                out += "\(name)\(labels) \(sample.value)\n"
            }
        }
        family("isotrace_up", "gauge", "1 while the daemon runs; 0 once it stopped cleanly (these values are then its last).",
               [([], metrics.up ? "1" : "0")])
        family("isotrace_build_info", "gauge", "Always 1; the labels name the isotrace version and the sampler of the last cycle.",
               [([("version", metrics.version), ("sampler", metrics.sampler)], "1")])
        family("isotrace_jobs", "gauge", "PanDA jobs (payloads with a PanDA ID) on this node in the last cycle.",
               [([], String(metrics.jobs))])
        family("isotrace_payload_processes", "gauge", "Payload processes on this node in the last cycle.",
               [([], String(metrics.payloadProcesses))])
        let findings = metrics.findings.sorted { ($0.key.rule, $0.key.status, $0.key.severity) < ($1.key.rule, $1.key.status, $1.key.severity) }
        family("isotrace_findings", "gauge", "Verdicts of the last cycle by rule, status (pass, fail, warn, skip) and severity.",
               findings.map { ([("rule", $0.key.rule), ("status", $0.key.status), ("severity", $0.key.severity)], String($0.value)) })
        family("isotrace_jobs_not_isolated", "gauge", "Jobs for which an ISO-* rule failed in the last cycle.",
               [([], String(metrics.jobsNotIsolated))])
        family("isotrace_cycle_duration_seconds", "gauge", "Wall-clock time of the last cycle (sample, audit, records).",
               [([], number(metrics.cycleDurationSeconds))])
        family("isotrace_records_total", "counter", "Records appended to the chain by this daemon since it started.",
               [([], String(metrics.recordsTotal))])
        family("isotrace_last_cycle_timestamp_seconds", "gauge", "Unix time at which the last cycle ended.",
               [([], number(metrics.lastCycleTimestampSeconds))])
        family("isotrace_errors_total", "counter", "Errors since the daemon started, by kind.",
               metrics.errorsTotal.sorted { $0.key < $1.key }.map { ([("kind", $0.key)], String($0.value)) })
        if let events = metrics.processEvents {
            family("isotrace_process_events_available", "gauge", "1 while the BPF process event source runs; 0 when unavailable (the heartbeat says why).",
                   [([], events.unavailable == nil ? "1" : "0")])
            family("isotrace_process_events_total", "counter", "Fork, exec and exit events read from the ring buffer since the daemon started.",
                   [([], String(events.seen))])
            family("isotrace_process_events_recorded_total", "counter", "Processes recorded from events (seen_by: event) since the daemon started.",
                   [([], String(events.recorded))])
            family("isotrace_event_cycles_total", "counter",
                   "Events-only cycles (what the events saw of payloads recorded, no sample) since the daemon started: --event-flush events waited, or SIGUSR2.",
                   [([], String(metrics.eventCycles))])
            family("isotrace_process_events_waiting", "gauge",
                   "Ended processes seen by events that wait for a sample to decide their job, after the last cycle (a full cycle decides them all).",
                   [([], String(metrics.eventsWaiting))])
            family("isotrace_process_events_lost_total", "counter",
                   "Process events lost since the daemon started, by cause: ring buffer full, daemon buffer full, ancestry unattributable.",
                   [([("reason", "daemon_buffer")], String(events.lostDaemonBuffer)), ([("reason", "ring_buffer")], String(events.lostRingBuffer)),
                    ([("reason", "unattributable")], String(events.unattributable))])
        }
        if let syslog = metrics.syslog {
            family("isotrace_syslog_sent_total", "counter", "Syslog messages the socket took since the daemon started.",
                   [([], String(syslog.sent))])
            family("isotrace_syslog_dropped_total", "counter",
                   "Syslog messages dropped since the daemon started: beyond the queue's bound while the socket was full, or still queued at a stop.",
                   [([], String(syslog.dropped))])
            family("isotrace_syslog_queued", "gauge", "Syslog messages waiting for a full or missing socket after the last cycle.",
                   [([], String(syslog.queued))])
        }
        return out
    }

    /// Label values: backslash, double quote and line feed escaped.
    public static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// HELP text: backslash and line feed escaped.
    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
