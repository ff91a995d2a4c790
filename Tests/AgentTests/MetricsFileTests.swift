import Agent
import Foundation
import TestSupport
import Testing

/// The textfile collector's input: Prometheus text format 0.0.4, written atomically.
@Suite struct MetricsFileTests {
    static func sample() -> DaemonMetrics {
        var metrics = DaemonMetrics()
        metrics.jobs = 3
        metrics.payloadProcesses = 11
        metrics.jobsNotIsolated = 2
        metrics.findings = [
            .init(rule: "ISO-UID", status: "fail", severity: "high"): 2,
            .init(rule: "ISO-UID", status: "pass", severity: "high"): 1,
            .init(rule: "odd\"rule\\with\nnewline", status: "warn", severity: "low"): 1,
        ]
        metrics.cycleDurationSeconds = 0.125
        metrics.recordsTotal = 42
        metrics.lastCycleTimestampSeconds = 1_795_000_000.5
        metrics.errorsTotal = ["syslog": 3, "records": 1]
        metrics.version = "0.1.0"
        metrics.sampler = "bpf"
        return metrics
    }

    /// A strict reader of the subset of the format isotrace writes: HELP/TYPE before samples,
    /// every sample of a declared family, label values unescaped.
    struct Parsed {
        var types: [String: String] = [:]
        var helps: [String: String] = [:]
        var samples: [(name: String, labels: [String: String], value: Double)] = []

        init(_ text: String) throws {
            #expect(text.hasSuffix("\n"))
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                if line.hasPrefix("# HELP ") {
                    let rest = line.dropFirst(7)
                    let name = String(rest.prefix { $0 != " " })
                    helps[name] = String(rest.dropFirst(name.count + 1))
                } else if line.hasPrefix("# TYPE ") {
                    let parts = line.dropFirst(7).split(separator: " ")
                    try #require(parts.count == 2 && ["gauge", "counter"].contains(String(parts[1])), "TYPE line: \(line)")
                    types[String(parts[0])] = String(parts[1])
                } else {
                    samples.append(try Self.sample(String(line)))
                    let name = samples.last!.name
                    try #require(types[name] != nil && helps[name] != nil, "sample before its HELP/TYPE: \(line)")
                }
            }
        }

        static func sample(_ line: String) throws -> (String, [String: String], Double) {
            var index = line.startIndex
            while index < line.endIndex, line[index].isLetter || line[index].isNumber || line[index] == "_" { index = line.index(after: index) }
            let name = String(line[..<index])
            var labels: [String: String] = [:]
            if index < line.endIndex, line[index] == "{" {
                index = line.index(after: index)
                while line[index] != "}" {
                    let equals = try #require(line[index...].firstIndex(of: "="))
                    let key = String(line[index..<equals])
                    index = line.index(after: equals)
                    try #require(line[index] == "\"")
                    index = line.index(after: index)
                    var value = ""
                    while line[index] != "\"" {
                        if line[index] == "\\" {
                            index = line.index(after: index)
                            switch line[index] {
                            case "n": value.append("\n")
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            default: Issue.record("bad escape in \(line)")
                            }
                        } else {
                            value.append(line[index])
                        }
                        index = line.index(after: index)
                    }
                    labels[key] = value
                    index = line.index(after: index)
                    if line[index] == "," { index = line.index(after: index) }
                }
                index = line.index(after: index)
            }
            try #require(line[index] == " ", "no space before the value: \(line)")
            let value = try #require(Double(line[line.index(after: index)...]), "value of \(line)")
            return (name, labels, value)
        }

        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels }?.value
        }
    }

    @Test("every metric with HELP and TYPE; values and labels read back, escaping included")
    func rendersAndParses() throws {
        let parsed = try Parsed(MetricsFile.render(Self.sample()))
        #expect(parsed.types == [
            "isotrace_jobs": "gauge", "isotrace_payload_processes": "gauge", "isotrace_findings": "gauge",
            "isotrace_jobs_not_isolated": "gauge", "isotrace_cycle_duration_seconds": "gauge", "isotrace_records_total": "counter",
            "isotrace_last_cycle_timestamp_seconds": "gauge", "isotrace_errors_total": "counter",
            "isotrace_up": "gauge", "isotrace_build_info": "gauge",
        ])
        #expect(parsed.value("isotrace_up") == 1)
        #expect(parsed.value("isotrace_build_info", ["version": "0.1.0", "sampler": "bpf"]) == 1)
        #expect(parsed.value("isotrace_jobs") == 3)
        #expect(parsed.value("isotrace_payload_processes") == 11)
        #expect(parsed.value("isotrace_jobs_not_isolated") == 2)
        #expect(parsed.value("isotrace_findings", ["rule": "ISO-UID", "status": "fail", "severity": "high"]) == 2)
        #expect(parsed.value("isotrace_findings", ["rule": "odd\"rule\\with\nnewline", "status": "warn", "severity": "low"]) == 1)
        #expect(parsed.value("isotrace_cycle_duration_seconds") == 0.125)
        #expect(parsed.value("isotrace_records_total") == 42)
        #expect(parsed.value("isotrace_last_cycle_timestamp_seconds") == 1_795_000_000.5)
        #expect(parsed.value("isotrace_errors_total", ["kind": "syslog"]) == 3)
    }

    @Test("with --syslog: messages sent, dropped and waiting; without it no syslog family")
    func syslogCounts() throws {
        #expect(!MetricsFile.render(Self.sample()).contains("isotrace_syslog"))
        var metrics = Self.sample()
        metrics.syslog = SyslogSender.Counts(sent: 120, dropped: 7, queued: 3)
        let parsed = try Parsed(MetricsFile.render(metrics))
        #expect(parsed.types["isotrace_syslog_sent_total"] == "counter" && parsed.types["isotrace_syslog_dropped_total"] == "counter")
        #expect(parsed.types["isotrace_syslog_queued"] == "gauge")
        #expect(parsed.value("isotrace_syslog_sent_total") == 120)
        #expect(parsed.value("isotrace_syslog_dropped_total") == 7)
        #expect(parsed.value("isotrace_syslog_queued") == 3)
    }

    @Test("a stopped daemon's file says so: isotrace_up 0")
    func stoppedIsMarked() throws {
        var metrics = Self.sample()
        metrics.up = false
        let parsed = try Parsed(MetricsFile.render(metrics))
        #expect(parsed.value("isotrace_up") == 0)
        #expect(parsed.value("isotrace_jobs") == 3, "the last values stay, marked by isotrace_up")
    }

    @Test("written atomically: the target appears whole, no temp file is left")
    func atomicWrite() throws {
        let directory = try TestDirectory("isotrace-agent-metrics").url
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("isotrace.prom").path
        try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
        let inode = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        try MetricsFile(path: path).write(Self.sample())
        #expect(try String(contentsOfFile: path, encoding: .utf8) == MetricsFile.render(Self.sample()))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int != inode, "replaced by rename, not rewritten in place")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["isotrace.prom"])
    }

    static let python = "/usr/bin/python3"
    static let hasPrometheusClient: Bool = {
        guard Executables.isExecutable(python) else { return false }
        return (try? Command.run([python, "-c", "import prometheus_client.parser"]))?.status == 0
    }()

    @Test("prometheus_client's own parser reads the file",
          .enabled(if: hasPrometheusClient, "needs /usr/bin/python3 with prometheus_client (Debian: python3-prometheus-client)"))
    func prometheusClientParses() throws {
        let directory = try TestDirectory("isotrace-agent-metrics-py").url
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("isotrace.prom").path
        try MetricsFile(path: path).write(Self.sample())
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    print(family.name, family.type, s.name, sorted(s.labels.items()), s.value)
            """
        let run = try Command.run([Self.python, "-c", script, path])
        let result = (status: run.status, output: run.stdout + run.stderr)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("isotrace_findings gauge isotrace_findings [('rule', 'odd\"rule\\\\with\\nnewline'), ('severity', 'low'), ('status', 'warn')] 1.0"), "\(result.output)")
        #expect(result.output.contains("isotrace_records counter isotrace_records_total [] 42.0"), "\(result.output)")
        #expect(result.output.contains("isotrace_errors counter isotrace_errors_total [('kind', 'syslog')] 3.0"), "\(result.output)")
    }
}
