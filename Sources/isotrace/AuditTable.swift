import Jobs
import Policy
import ProcFS

/// The human view of an audit: one block per job, failing and warning rules with their fixes.
enum AuditTable {
    static func render(_ result: AuditResult, colour: Bool) -> String {
        let palette = Palette(enabled: colour)
        let node = result.snapshot.node
        let policy = result.policy
        var out = "node \(node.hostname ?? "?")  kernel \(node.kernelRelease ?? "?")  boot \(node.bootID ?? "?")\n"
        out += "policy \(policy.id) \(policy.version) (sha256 \(policy.sha256.prefix(16))…)\n"
        out += "sampled \(result.snapshot.takenAt): \(result.snapshot.processes.count) processes, \(result.graph.pilots.count) pilot(s), "
        out += "\(result.jobs.count) job(s) with \(result.graph.payloadProcessCount) payload processes, \(result.graph.unattributed.count) unattributed\n"

        for audit in result.jobs {
            let job = audit.job
            let verdict = audit.isolated ? palette.green("ISOLATED") : palette.red("NOT ISOLATED")
            out += "\n" + palette.bold("JOB \(job.pandaID)") + "  task \(job.taskID ?? "?")  \(verdict)\n"
            if let pilot = audit.pilot {
                out += "  pilot    \(pilot.pid) uid \(pilot.process.effectiveUID.map(String.init) ?? "?")  \(SnapshotTable.printable(summary(pilot.process)))\n"
            }
            out += "  payload  \(job.processes.count) process(es), root \(job.rootPID)  \(SnapshotTable.printable(summary(job.root)))\n"
            out += "  where    \(SnapshotTable.printable(job.jobDirectory))"
            if let container = job.container {
                out += "  container \(container.runtime)\(container.image.map { " " + SnapshotTable.printable($0) } ?? "")"
            }
            if let batch = audit.batchJobID {
                out += "  batch \(batch.variable)=\(SnapshotTable.printable(batch.value))\(batch.source == .cgroup ? " (cgroup)" : "")"
            }
            out += "\n"
            if let batch = audit.batch {
                out += "  batch    \(SnapshotTable.printable(batch.system)) job cgroup \(SnapshotTable.printable(batch.cgroup)) (\(batch.hierarchy))\n"
            }
            if let owner = audit.owner {
                let trust = owner.payloadWritable ? palette.yellow("payload-writable, a claim only") : "pilot-written"
                out += "  owner    \(SnapshotTable.printable(owner.dn))  (\(SnapshotTable.printable(owner.source)), \(trust))\n"
            }
            out += findings(audit.findings, policy: policy, palette: palette)
        }
        if !result.graph.unattributed.isEmpty {
            out += "\n" + palette.bold("UNATTRIBUTED") + " (claim a PanDA ID, under no pilot)\n"
            for entry in result.graph.unattributed {
                out += "  \(entry.process.pid)  claims \(entry.claimedPandaID) (\(entry.claimSource))  \(SnapshotTable.printable(summary(entry.process)))\n"
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
            out += "  \(status)  \(pad(finding.severity.rawValue, 8)) \(pad(finding.rule, 13)) \(SnapshotTable.printable(finding.message))\n"
            if let fix = policy.rule(finding.rule)?.remediation, finding.status == .fail {
                out += palette.dim("        fix: \(oneLine(fix))") + "\n"
            }
        }
        let passed = findings.filter { $0.status == .pass }.map(\.rule)
        if !passed.isEmpty { out += "  " + palette.green("pass") + "  \(passed.joined(separator: " "))\n" }
        for finding in findings where finding.status == .skip {
            out += "  " + palette.dim("skip  \(finding.rule): \(SnapshotTable.printable(finding.message))") + "\n"
        }
        return out
    }

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
