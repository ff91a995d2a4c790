import Base
import RecordIndex

/// The query result for people: per process and job the facts, and after each the records
/// (`#seq file:line`) that prove it. `--format json` lists every record; here long lists are cut.
enum QueryTable {
    static func render(_ result: QueryResult) -> String {
        var lines: [String] = []
        if let resolution = result.resolution { lines.append("resolved: \(text(resolution))") }
        if !result.processes.isEmpty {
            lines.append("PROCESSES matching \(text(result.subject))")
            for process in result.processes { lines += render(process, indent: "  ") }
            lines.append("")
        }
        for job in result.jobs {
            lines += render(job)
            lines.append("")
        }
        if !result.records.isEmpty {
            let files = text(Set(result.records.map(\.file)).sorted().joined(separator: ", "))
            lines.append("\(result.records.count) record(s) cited, seq \(result.records.first!.seq)-\(result.records.last!.seq), in \(files)")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    static func render(_ job: JobReport) -> [String] {
        let verdict = job.isolated.map { $0 ? "ISOLATED" : "NOT ISOLATED" } ?? "not judged"
        var lines = ["JOB \(text(job.pandaID))  task \(text(job.taskID ?? "-"))  \(verdict)  seen \(span(job.firstSeen, job.lastSeen))"]
        if let pilot = job.pilot {
            lines.append("  pilot     pid \(pilot.pid)  start_ticks \(pilot.startTicks)  boot \(text(pilot.bootID))")
        }
        var place: [String] = []
        if let directory = job.jobDirectory { place.append(text(directory)) }
        if let runtime = job.containerRuntime { place.append("container \(text(runtime))" + (job.containerImage.map { " \(text($0))" } ?? "")) }
        if let batch = job.batchJobID { place.append("batch \(text(batch))") }
        if !place.isEmpty { lines.append("  where     " + place.joined(separator: "  ")) }
        if !job.records.isEmpty { lines.append("  records   " + cite(job.records)) }
        for verdict in job.verdicts where job.verdicts.count > 1 {
            let state = verdict.isolated.map { $0 ? "isolated" : "not isolated (\(text(verdict.failingRules.joined(separator: " "))))" } ?? "-"
            lines.append("  verdict   \(state)  \(verdict.firstSeen) .. \(verdict.lastSeen)  \(cite(verdict.records))")
        }
        for process in job.processes { lines += render(process, indent: "  ") }
        if !job.findings.isEmpty {
            lines.append("  findings")
            for finding in job.findings {
                let status = text(finding.status == "pass" ? finding.status : finding.status.uppercased())
                let pid = finding.pid.map { "pid \($0)  " } ?? ""
                lines.append("    \(pad(status, 5)) \(pad(text(finding.severity ?? "-"), 8)) \(pad(text(finding.rule), 13)) \(pid)\(text(finding.message ?? ""))  \(cite(finding.records, limit: 1))")
            }
        }
        return lines
    }

    static func render(_ process: ProcessReport, indent: String) -> [String] {
        let uid = process.uids.map { "uids \($0.map(String.init).joined(separator: ","))" } ?? "uid \(process.uid.map(String.init) ?? "-")"
        let started = process.startTime?.description ?? "-"
        var lines = ["\(indent)\(pad(text(process.role), 9)) pid \(process.pid)  \(uid)  started \(started)  seen \(span(process.firstSeen, process.lastSeen))"]
        let more = indent + String(repeating: " ", count: 10)
        let ns = ["pid", "mnt", "ipc", "user", "net", "uts", "cgroup"].compactMap { kind in
            (process.namespaces[kind] ?? nil).map { "\(kind):\($0)" }
        }
        var facts = ns.isEmpty ? [] : ["ns " + ns.joined(separator: " ")]
        if let runtime = process.containerRuntime { facts.append("container \(text(runtime))" + (process.containerImage.map { " \(text($0))" } ?? "")) }
        if process.role == "unattributed", let claim = process.claimedPandaID { facts.append("claims PanDA ID \(text(claim))") }
        if !facts.isEmpty { lines.append(more + facts.joined(separator: "  ")) }
        if let command = process.cmdline, !command.isEmpty { lines.append(more + text(truncate(command.joined(separator: " "), 110))) }
        lines.append(more + "records " + cite(process.records))
        return lines
    }

    /// Every value read from a record (it came from a process or a file) through the one escaping rule.
    static func text(_ value: String) -> String { PrintableText.escape(value) }

    static func cite(_ records: [RecordReference], limit: Int = 3) -> String {
        let shown = records.prefix(limit).map { "#\($0.seq) \(text($0.file)):\($0.line)" }.joined(separator: ", ")
        return records.count > limit ? "\(shown) (+\(records.count - limit) more)" : shown
    }

    static func span(_ first: CustomStringConvertible?, _ last: CustomStringConvertible?) -> String {
        let from = first?.description ?? "-"
        let to = last?.description ?? "-"
        return from == to ? from : "\(from) .. \(to)"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func truncate(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(width - 3)) + "..." : text
    }
}
