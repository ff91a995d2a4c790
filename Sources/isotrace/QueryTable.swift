import Base
import RecordIndex

/// The query answer for people, answer first (as `ausearch -i` / `aureport`): per job one line
/// (job, task, payload uid, pilot PID and uid, owner, verdict and failing rules), then one row
/// per process (start, end or "alive at last sight", command), one block per pilot instance,
/// the findings once per change, and what was verified. Failed records are marked on the rows
/// that cite them. `--since/--until` alone: one line per job. Every value from a record went
/// through the one escaping rule.
enum QueryTable {
    static func render(_ answer: QueryAnswer) -> String {
        var lines: [String] = []
        if case .jobs = answer.query {
            lines += jobList(answer)
        } else {
            lines += body(answer)
        }
        lines.append(text(answer.verification.summary))
        for failure in answer.verification.failures { lines.append("  " + text(failure.text)) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func body(_ answer: QueryAnswer) -> [String] {
        var lines: [String] = []
        var jobShown: String?
        if case .pid(_, let at?) = answer.query, answer.outcome == .found, let process = answer.processes.first {
            // --pid P --at T: the one process, and its job's line, on the first line.
            let job = answer.jobs.first { $0.pandaID == process.pandaID }
            let head = "PID \(process.identity.pid) at \(at): \(text(process.role)) uid \(uidText(process.uid, answer))"
            lines.append(head + "  ->  " + (job.map { jobLine($0, answer) } ?? "no job (\(process.role == "unattributed" ? "unattributed" : "not a payload"))"))
            jobShown = job?.pandaID
            if let message = answer.message { lines.append(text(message)) }
        } else if let message = answer.message {
            lines.append(text(message))
        }
        if !answer.processes.isEmpty {
            lines.append("PROCESSES matching \(text(answer.query.subject)) (\(answer.processes.count))")
            lines += processTable(answer.processes, answer)
        }
        for job in answer.jobs {
            if job.pandaID != jobShown {
                if !lines.isEmpty { lines.append("") }
                lines.append(jobLine(job, answer))
            }
            lines += details(job, answer)
        }
        if !answer.records.isEmpty {
            let files = text(Set(answer.records.map(\.file)).sorted().joined(separator: ", "))
            lines.append("")
            lines.append("RECORDS \(answer.records.count) cited, seq \(answer.records.first!.seq)-\(answer.records.last!.seq), in \(files)")
        }
        return lines
    }

    /// JOB 6402753124  task 77  payload uid 64902 (atlas02)  pilot PID 100 uid 64901  owner ...  NOT ISOLATED: ISO-UID
    static func jobLine(_ job: JobAnswer, _ answer: QueryAnswer) -> String {
        let payload = job.payloadUIDs.isEmpty ? "payload uid ? (no verified record states it)"
            : "payload uid " + job.payloadUIDs.map { uidText($0, answer) }.joined(separator: ", ")
        let pilots = job.pilots.isEmpty ? "pilot not recorded"
            : (job.pilots.count == 1 ? "pilot PID " : "pilots PID ") + job.pilots.map { pilot in
                "\(pilot.identity.pid) uid \(uidText(pilot.uid, answer))"
            }.joined(separator: ", ")
        let owner: String
        if answer.verification.status == .notVerified {
            owner = "owner not read (not verified)"
        } else if job.owners.isEmpty {
            owner = "owner not recorded"
        } else {
            owner = "owner " + job.owners.map { "\(text($0.dn)) (\($0.payloadWritable ? "claim" : "evidence"))" }.joined(separator: ", ")
        }
        let verdict: String = switch job.isolated {
        case true?: "ISOLATED"
        case false?: "NOT ISOLATED: " + text(job.failingRules.joined(separator: " "))
        case nil: "not judged"
        }
        let forged = job.forged.isEmpty ? "" : "  [\(job.forged.count) FORGED record(s)]"
        return "JOB \(text(job.pandaID))  task \(text(job.taskID ?? "-"))  \(payload)  \(pilots)  \(owner)  \(verdict)\(forged)"
    }

    static func details(_ job: JobAnswer, _ answer: QueryAnswer) -> [String] {
        var lines: [String] = []
        var place: [String] = ["seen \(span(job.firstSeen, job.lastSeen))"]
        if let directory = job.jobDirectory { place.append(text(directory)) }
        if let runtime = job.containerRuntime { place.append("container \(text(runtime))" + (job.containerImage.map { " \(text($0))" } ?? "")) }
        if let batch = job.batchJobID { place.append("batch \(text(batch))") }
        lines.append("  " + place.joined(separator: "  "))
        for mark in job.forged { lines.append("  " + text(mark.text)) }
        lines.append("  PROCESSES (\(job.processes.count))")
        lines += processTable(job.processes, answer).map { "  " + $0 }
        for pilot in job.pilots {
            lines.append("  PILOT PID \(pilot.identity.pid)  uid \(uidText(pilot.uid, answer))  boot \(text(pilot.identity.bootID))  start_ticks \(pilot.identity.startTicks)  seen \(span(pilot.firstSeen, pilot.lastSeen))  payload PIDs \(pilot.payloadPIDs.isEmpty ? "-" : pilot.payloadPIDs.map(String.init).joined(separator: " "))")
            if let command = pilot.command { lines.append("    command \(text(truncate(command.joined(separator: " "), 110)))") }
            for verdict in pilot.verdicts {
                let state = verdict.isolated.map { $0 ? "isolated" : "NOT isolated (\(text(verdict.failingRules.joined(separator: " "))))" } ?? "not judged"
                lines.append("    verdict \(state)  \(span(verdict.firstSeen, verdict.lastSeen))  \(cite(verdict.records))")
            }
        }
        if !job.findings.isEmpty {
            lines.append("  FINDINGS (once per change)")
            for finding in job.findings {
                let status = text(finding.status == "pass" ? finding.status : finding.status.uppercased())
                let pid = finding.pid.map { "pid \($0)  " } ?? ""
                var line = "    \(pad(status, 5)) \(pad(text(finding.severity ?? "-"), 8)) \(pad(text(finding.rule), 13)) \(pid)since \(finding.since)"
                if finding.until != finding.since { line += " until \(finding.until)" }
                line += "  \(text(finding.message ?? ""))  \(cite(finding.records, limit: 1))"
                for mark in finding.forged { line += "  " + text(mark.text) }
                lines.append(line)
            }
        }
        return lines
    }

    /// One row per process: role, PID, uid, start, end, command; then its failed records.
    static func processTable(_ rows: [ProcessRow], _ answer: QueryAnswer) -> [String] {
        var lines = ["  \(pad("ROLE", 13)) \(pad("PID", 7)) \(pad("UID", 7)) \(pad("START", 24)) \(pad("END", 44)) COMMAND"]
        for row in rows {
            let uid = row.uidsSeen.count > 1 ? row.uidsSeen.map(String.init).joined(separator: "->") : row.uid.map(String.init) ?? "-"
            let end = row.exitRecorded.map { "ended after \(row.lastSeen) (exit recorded \($0))" } ?? "alive at last sight \(row.lastSeen)"
            var command = row.command.map { truncate($0.joined(separator: " "), 100) } ?? "?"
            if row.role == "unattributed", let claim = row.claimedPandaID { command += "  [claims PanDA ID \(claim)]" }
            var line = "  \(pad(text(row.role), 13)) \(pad(String(row.identity.pid), 7)) \(pad(uid, 7)) \(pad(row.startTime?.description ?? "-", 24)) \(pad(end, 44)) \(text(command))"
            line += "  " + cite(row.records, limit: 2)
            for mark in row.forged { line += "  " + text(mark.text) }
            lines.append(line)
        }
        return lines
    }

    /// `--since/--until` alone: one line per job.
    static func jobList(_ answer: QueryAnswer) -> [String] {
        var lines: [String] = []
        if let message = answer.message { lines.append(text(message)) }
        for job in answer.jobs {
            lines.append(jobLine(job, answer) + "  seen \(span(job.firstSeen, job.lastSeen))  \(job.processes.count) process(es)")
        }
        return lines
    }

    static func uidText(_ uid: Int64?, _ answer: QueryAnswer) -> String {
        guard let uid else { return "?" }
        return answer.userNames[uid].map { "\(uid) (\(text($0)))" } ?? String(uid)
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
