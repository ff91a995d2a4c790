import RecordIndex

/// The query result for people: per process and job the facts, and after each the records
/// (`#seq file:line`) that prove it. `--format json` lists every record; here long lists are cut.
enum QueryTable {
    static func render(_ result: QueryResult) -> String {
        var lines: [String] = []
        if let resolution = result.resolution { lines.append("resolved: \(resolution)") }
        if !result.processes.isEmpty {
            lines.append("PROCESSES matching \(result.subject)")
            for process in result.processes { lines += render(process, indent: "  ") }
            lines.append("")
        }
        for job in result.jobs {
            lines += render(job)
            lines.append("")
        }
        if !result.records.isEmpty {
            let files = Set(result.records.map(\.file)).sorted().joined(separator: ", ")
            lines.append("\(result.records.count) record(s) cited, seq \(result.records.first!.seq)-\(result.records.last!.seq), in \(files)")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    static func render(_ job: JobReport) -> [String] {
        let verdict = job.isolated.map { $0 ? "ISOLATED" : "NOT ISOLATED" } ?? "not judged"
        var lines = ["JOB \(job.pandaID)  task \(job.taskID ?? "-")  \(verdict)  seen \(span(job.firstSeen, job.lastSeen))"]
        if let pilot = job.pilot {
            lines.append("  pilot     pid \(pilot.pid)  start_ticks \(pilot.startTicks)  boot \(pilot.bootID)")
        }
        var place: [String] = []
        if let directory = job.jobDirectory { place.append(directory) }
        if let runtime = job.containerRuntime { place.append("container \(runtime)" + (job.containerImage.map { " \($0)" } ?? "")) }
        if let batch = job.batchJobID { place.append("batch \(batch)") }
        if !place.isEmpty { lines.append("  where     " + place.joined(separator: "  ")) }
        if !job.records.isEmpty { lines.append("  records   " + cite(job.records)) }
        for verdict in job.verdicts where job.verdicts.count > 1 {
            let state = verdict.isolated.map { $0 ? "isolated" : "not isolated (\(verdict.failingRules.joined(separator: " ")))" } ?? "-"
            lines.append("  verdict   \(state)  \(verdict.firstSeen) .. \(verdict.lastSeen)  \(cite(verdict.records))")
        }
        for process in job.processes { lines += render(process, indent: "  ") }
        if !job.findings.isEmpty {
            lines.append("  findings")
            for finding in job.findings {
                let status = finding.status == "pass" ? finding.status : finding.status.uppercased()
                let pid = finding.pid.map { "pid \($0)  " } ?? ""
                lines.append("    \(pad(status, 5)) \(pad(finding.severity ?? "-", 8)) \(pad(finding.rule, 13)) \(pid)\(finding.message ?? "")  \(cite(finding.records, limit: 1))")
            }
        }
        return lines
    }

    static func render(_ process: ProcessReport, indent: String) -> [String] {
        let uid = process.uids.map { "uids \($0.map(String.init).joined(separator: ","))" } ?? "uid \(process.uid.map(String.init) ?? "-")"
        let started = process.startTime?.description ?? "-"
        var lines = ["\(indent)\(pad(process.role, 9)) pid \(process.pid)  \(uid)  started \(started)  seen \(span(process.firstSeen, process.lastSeen))"]
        let more = indent + String(repeating: " ", count: 10)
        let ns = ["pid", "mnt", "ipc", "user", "net", "uts", "cgroup"].compactMap { kind in
            (process.namespaces[kind] ?? nil).map { "\(kind):\($0)" }
        }
        var facts = ns.isEmpty ? [] : ["ns " + ns.joined(separator: " ")]
        if let runtime = process.containerRuntime { facts.append("container \(runtime)" + (process.containerImage.map { " \($0)" } ?? "")) }
        if process.role == "unattributed", let claim = process.claimedPandaID { facts.append("claims PanDA ID \(claim)") }
        if !facts.isEmpty { lines.append(more + facts.joined(separator: "  ")) }
        if let command = process.cmdline, !command.isEmpty { lines.append(more + truncate(command.joined(separator: " "), 110)) }
        lines.append(more + "records " + cite(process.records))
        return lines
    }

    static func cite(_ records: [RecordReference], limit: Int = 3) -> String {
        let shown = records.prefix(limit).map { "#\($0.seq) \($0.file):\($0.line)" }.joined(separator: ", ")
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
