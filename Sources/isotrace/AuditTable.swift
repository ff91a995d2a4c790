import Base
import Jobs
import Policy
import ProcFS

/// The human view of an audit: one block per job, failing and warning rules with their fixes.
enum AuditTable {
    static func render(_ result: AuditResult, colour: Bool) -> String {
        let palette = Palette(enabled: colour)
        let node = result.snapshot.node
        let policy = result.policy
        var out = "node \(text(node.hostname ?? "?"))  kernel \(text(node.kernelRelease ?? "?"))  boot \(text(node.bootID ?? "?"))\n"
        out += "policy \(text(policy.id)) \(text(policy.version)) (sha256 \(policy.sha256.prefix(16))…)\n"
        out += "sampled \(result.snapshot.takenAt): \(result.snapshot.processes.count) processes, \(result.graph.pilots.count) pilot(s), "
        out += "\(result.jobs.count) job(s) with \(result.graph.payloadProcessCount) payload processes, \(result.graph.unattributed.count) unattributed\n"

        for audit in result.jobs {
            let job = audit.job
            let verdict = audit.isolated ? palette.green("ISOLATED") : palette.red("NOT ISOLATED")
            out += "\n" + palette.bold("JOB \(text(job.pandaID))") + "  task \(text(job.taskID ?? "?"))  \(verdict)\n"
            if let pilot = audit.pilot {
                out += "  pilot    \(pilot.pid) uid \(pilot.process.effectiveUID.map(String.init) ?? "?")  \(text(summary(pilot.process)))\n"
            }
            out += "  payload  \(job.processes.count) process(es), root \(job.rootPID)  \(text(summary(job.root)))\n"
            out += "  where    \(text(job.jobDirectory))"
            if let container = job.container {
                out += "  container \(text(container.runtime))\(container.image.map { " " + text($0) } ?? "")"
            }
            if let batch = audit.batchJobID {
                out += "  batch \(text(batch.variable))=\(text(batch.value))\(batch.source == .cgroup ? " (cgroup)" : "")"
            }
            out += "\n"
            if let batch = audit.batch {
                out += "  batch    \(text(batch.system)) job cgroup \(text(batch.cgroup)) (\(batch.hierarchy))\n"
            }
            if let owner = audit.owner {
                let trust = owner.payloadWritable
                    ? palette.yellow("a claim only: \(text(owner.claimReason ?? "the payload could write or replace it"))")
                    : "evidence: no payload process could write or replace it"
                out += "  owner    \(text(owner.dn))  (\(text(owner.source)), \(trust))\n"
            }
            out += findings(audit.findings, policy: policy, palette: palette)
        }
        if !result.graph.unattributed.isEmpty {
            out += "\n" + palette.bold("UNATTRIBUTED") + " (claim a PanDA ID, under no pilot)\n"
            for entry in result.graph.unattributed {
                out += "  \(entry.process.pid)  claims \(text(entry.claimedPandaID)) (\(text(entry.claimSource)))  \(text(summary(entry.process)))\n"
            }
        }
        if !result.nodeFindings.isEmpty {
            out += "\n" + palette.bold("NODE") + "\n" + findings(result.nodeFindings, policy: policy, palette: palette)
        }
        let all = result.allFindings
        let isolated = result.jobs.filter(\.isolated).count
        out += "\nsummary: \(isolated) of \(result.jobs.count) job(s) isolated; "
        out += "\(all.filter { $0.status == .fail }.count) fail, \(all.filter { $0.status == .warn }.count) warn, "
        out += "\(all.filter { $0.status == .pass }.count) pass, \(all.filter { $0.status == .skip }.count) skip\n"
        if result.jobs.isEmpty { out += "no PanDA payload found on this node\n" }
        return out
    }

    private static func findings(_ findings: [Finding], policy: Policy, palette: Palette) -> String {
        var out = ""
        for finding in findings where finding.status == .fail || finding.status == .warn {
            let status = finding.status == .fail ? palette.red("FAIL") : palette.yellow("WARN")
            out += "  \(status)  \(pad(finding.severity.rawValue, 8)) \(pad(text(finding.rule), 13)) \(text(finding.message))\n"
            if let fix = policy.rule(finding.rule)?.remediation, finding.status == .fail {
                out += palette.dim("        fix: \(text(oneLine(fix)))") + "\n"
            }
        }
        let passed = findings.filter { $0.status == .pass }.map(\.rule)
        if !passed.isEmpty { out += "  " + palette.green("pass") + "  \(text(passed.joined(separator: " ")))\n" }
        for finding in findings where finding.status == .skip {
            out += "  " + palette.dim("skip  \(text(finding.rule)): \(text(finding.message))") + "\n"
        }
        return out
    }

    /// Every value from a process, a file or the policy is shown through the one escaping rule.
    private static func text(_ value: String) -> String { PrintableText.escape(value) }

    private static func summary(_ process: ProcessSample) -> String {
        let text = (process.arguments?.isEmpty == false ? process.arguments! : ["[\(process.stat.comm)]"]).joined(separator: " ")
        return text.count > 100 ? String(text.prefix(97)) + "..." : text
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces() }.joined(separator: " ")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
