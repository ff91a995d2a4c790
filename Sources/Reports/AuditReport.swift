import Base
import Foundation
import Jobs
import Plot
import Policy
import ProcFS

/// `isotrace audit --format html`: the whole audit as one page a site manager can read: node and
/// policy, a summary bar, then per job its verdict, a drawn process tree from the pilot down to
/// every payload process, the processes in full, and the rule table with the fixes.
public enum AuditReport {
    /// The page. `generatedAt` and `generator` (`isotrace 0.1.0`) go in the header and footer.
    public static func render(_ result: AuditResult, generatedAt: UTCTime, generator: String) -> String {
        let node = result.snapshot.node
        let host = node.hostname ?? "unknown host"
        let isolated = result.jobs.filter(\.isolated).count
        let findings = result.allFindings
        func count(_ status: Finding.Status) -> Int { findings.filter { $0.status == status }.count }
        var body: [BodyNode] = [
            .header(
                .h1(.untrusted("isotrace audit: \(host)")),
                .p(.class("meta"), .untrusted("sampled \(result.snapshot.takenAt) · policy \(result.policy.id) \(result.policy.version) · generated \(generatedAt) by \(generator)"))
            ),
            .h2(.text("Summary")),
            SummaryBar.render(isolated: isolated, notIsolated: result.jobs.count - isolated),
            .p(.class("summary-line"), .untrusted("\(isolated) of \(result.jobs.count) job(s) isolated · "),
               ReportPage.badge("\(count(.fail)) fail", "st-fail"), .text(" "),
               ReportPage.badge("\(count(.warn)) warn", "st-warn"), .text(" "),
               ReportPage.badge("\(count(.pass)) pass", "st-pass"), .text(" "),
               ReportPage.badge("\(count(.skip)) skip", "st-skip")),
            .p(.class("meta"), .untrusted("\(result.snapshot.processes.count) processes, \(result.graph.pilots.count) pilot(s), "
                + "\(result.graph.payloadProcessCount) payload processes, \(result.graph.unattributed.count) unattributed")),
        ]
        if !result.jobs.isEmpty { body.append(jobIndex(result)) }
        body.append(.h2(.text("Node and policy")))
        body.append(nodeFacts(result))
        body += result.jobs.map { jobSection($0, result: result) }
        if !result.nodeFindings.isEmpty {
            body.append(.h2(.text("Node findings")))
            body.append(ruleTable(result.nodeFindings, policy: result.policy))
        }
        if !result.graph.unattributed.isEmpty {
            body.append(.h2(.text("Unattributed processes (claim a PanDA ID, under no pilot)")))
            body.append(ReportPage.table(headers: ["PID", "uid", "claims", "from", "command"], rows: result.graph.unattributed.map { entry in
                .tr(ReportPage.cell(String(entry.process.pid), className: "num"),
                    ReportPage.cell(entry.process.effectiveUID.map(String.init)),
                    ReportPage.cell(entry.claimedPandaID), ReportPage.cell(entry.claimSource),
                    ReportPage.cell(.code(.untrusted(commandLine(entry.process)))))
            }))
        }
        if !result.snapshot.problems.isEmpty {
            body.append(.h2(.text("Sampling problems")))
            body.append(.ul(.group(result.snapshot.problems.map { .li(.untrusted($0.description)) })))
        }
        body.append(ReportPage.footer(generator: generator, generatedAt: generatedAt.description))
        return ReportPage.render(title: "isotrace audit: \(host) \(result.snapshot.takenAt)", body: body)
    }

    static func anchor(_ audit: JobAudit) -> String { "job-\(audit.job.pandaID)-\(audit.job.rootPID)" }

    static func verdictClass(_ isolated: Bool) -> String { isolated ? "isolated" : "not-isolated" }

    static func jobIndex(_ result: AuditResult) -> BodyNode {
        ReportPage.table(headers: ["PanDA ID", "verdict", "task", "pilot", "payload", "container", "failing rules"], rows: result.jobs.map { audit in
            let failing = audit.failingRules
            return .tr(
                .td(.class("num"), .a(.href("#" + anchor(audit)), .untrusted(audit.job.pandaID))),
                .td(ReportPage.badge(audit.isolated ? "ISOLATED" : "NOT ISOLATED", audit.isolated ? "ok" : "bad")),
                ReportPage.cell(audit.job.taskID, className: "num"),
                ReportPage.cell(audit.pilot.map { "PID \($0.pid) uid \($0.process.effectiveUID.map(String.init) ?? "?")" }, className: "num"),
                ReportPage.cell("\(audit.job.processes.count) process(es), root \(audit.job.rootPID)"),
                ReportPage.cell(audit.job.container.map(describe), className: "words"),
                .td(.class("failing-rules"), .untrusted(failing.joined(separator: " ")))
            )
        })
    }

    static func nodeFacts(_ result: AuditResult) -> BodyNode {
        let node = result.snapshot.node
        let policy = result.policy
        return ReportPage.facts([
            ("hostname", ReportPage.text(node.hostname)),
            ("kernel", ReportPage.text(node.kernelRelease)),
            ("boot id", ReportPage.code(node.bootID)),
            ("machine id", ReportPage.code(node.machineID)),
            ("ptrace_scope", ReportPage.text(node.ptraceScope.map(String.init) ?? "Yama not active")),
            ("user namespaces", ReportPage.text(node.maxUserNamespaces.map { "max \($0)" })),
            ("sampled", ReportPage.text("\(result.snapshot.takenAt) from \(result.snapshot.procRoot)")),
            ("policy", ReportPage.text("\(policy.id) \(policy.version): \(policy.title)")),
            ("policy sha256", ReportPage.code(policy.sha256)),
        ])
    }

    static func jobSection(_ audit: JobAudit, result: AuditResult) -> BodyNode {
        let job = audit.job
        let verdict = verdictClass(audit.isolated)
        let failing = audit.findings.filter { $0.status == .fail }.map(\.rule)
        let processes = treeProcesses(audit, snapshot: result.snapshot)
        let layout = ProcessTreeLayout(processes)
        return .section(
            .class("job \(verdict)"), .id(anchor(audit)),
            .h2(.untrusted("Job \(job.pandaID)"), .span(.class("verdict \(verdict)"), .text(audit.isolated ? "ISOLATED" : "NOT ISOLATED"))),
            .if(!failing.isEmpty, .p(.untrusted("fails: "), .span(.class("failing-rules"), .untrusted(failing.joined(separator: " "))))),
            ReportPage.facts([
                ("task / attempt", ReportPage.text("\(job.taskID ?? "?") / \(job.attemptNumber ?? "?")")),
                ("pilot", ReportPage.text(audit.pilot.map { "PID \($0.pid), uid \($0.process.effectiveUID.map(String.init) ?? "?")" })),
                ("job directory", ReportPage.code(job.jobDirectory)),
                ("container", ReportPage.text(job.container.map(describe) ?? "none seen")),
                ("batch job", ReportPage.text(audit.batchJobID.map { "\($0.variable)=\($0.value)\($0.source == .cgroup ? " (from the cgroup)" : "")" })),
                ("batch cgroup", ReportPage.code(audit.batch.map { "\($0.system): \($0.cgroup)" })),
                ("owner", audit.owner.map(owner)),
                ("PanDA ID from", ReportPage.text((job.evidence + job.conflicts).map { "\($0.source.rawValue) \($0.pandaID) (\($0.detail))" }.joined(separator: "; "))),
                ("spoofed claims", job.spoofs.isEmpty ? nil : ReportPage.text(job.spoofs.map { "PID \($0.pid) claims \($0.claimedPandaID) in \($0.variable)" }.joined(separator: "; "))),
            ]),
            .h3(.text("Process tree")),
            legend,
            ProcessTreeDiagram.render(layout, caption: "Process tree of job \(job.pandaID): pilot \(job.pilotPID) down to \(job.processes.count) payload process(es)"),
            processTable(layout),
            .h3(.text("Rules")),
            ruleTable(audit.findings, policy: result.policy)
        )
    }

    static var legend: BodyNode { .p(.class("legend"),
        .span(.span(.class("swatch sw-pilot")), .text("pilot and wrapper")),
        .span(.span(.class("swatch sw-helper")), .text("pilot-side helper")),
        .span(.span(.class("swatch sw-payload")), .text("payload")),
        .span(.span(.class("swatch sw-ns")), .text("namespace boundary")),
        .span(.span(.class("swatch sw-fail")), .text("named by a failing rule")),
        .span(.span(.class("failing-rules"), .text("uid")), .text(" = the pilot's uid"))) }

    static func owner(_ owner: JobOwner) -> BodyNode {
        let level = owner.payloadWritable
            ? "a claim only: the payload could write \(owner.source)"
            : "evidence: read from \(owner.source), which the payload cannot write"
        return .group(.untrusted(owner.dn), .text(" "), ReportPage.badge(owner.payloadWritable ? "claim" : "evidence", owner.payloadWritable ? "st-warn" : "st-pass"),
                      .br(), .small(.class("meta"), .untrusted(level)))
    }

    /// Wrapper, pilot, pilot-side helpers and payload processes, with what the diagram marks.
    static func treeProcesses(_ audit: JobAudit, snapshot: Snapshot) -> [TreeProcess] {
        let job = audit.job
        let byPID = Dictionary(snapshot.processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
        let pilotUID = audit.pilot?.process.effectiveUID
        var failing: [Int32: [String]] = [:]
        for finding in audit.findings where finding.status == .fail {
            if let pid = finding.pid { failing[pid, default: []].append(finding.rule) }
        }
        func tree(_ sample: ProcessSample, _ side: TreeProcess.Side) -> TreeProcess {
            TreeProcess(pid: sample.pid, ppid: sample.stat.ppid, side: side, uid: sample.effectiveUID,
                        command: commandLine(sample), container: job.containers[sample.pid].map(describe),
                        namespaces: sample.namespaces,
                        sharesPilotUID: side == .payload && pilotUID != nil && sample.effectiveUID == pilotUID && !isRuntime(sample),
                        failingRules: failing[sample.pid] ?? [])
        }
        var processes: [TreeProcess] = []
        if let pilot = audit.pilot {
            if let wrapper = pilot.wrapper { processes.append(tree(wrapper, .pilotWrapper)) }
            processes.append(tree(pilot.process, .pilot))
            processes += pilot.pilotSidePIDs.compactMap { byPID[$0] }.map { tree($0, .pilotSide) }
        }
        processes += job.processes.map { tree($0, .payload) }
        return processes
    }

    /// A container runtime process (bwrap, starter-suid, apptainer, ...) runs with the pilot's
    /// privileges by design; only the workload below it is held to another uid.
    static func isRuntime(_ sample: ProcessSample) -> Bool {
        ContainerInfo.recognise(argv: sample.arguments ?? [], comm: sample.stat.comm) != nil
    }

    /// Processes in tree order with their namespaces: the pilot's in full, the others as the
    /// kinds that differ from the pilot's ("as pilot" when none does).
    static func processTable(_ layout: ProcessTreeLayout) -> BodyNode {
        let kinds: [NamespaceKind] = [.pid, .mnt, .ipc, .user, .net, .uts, .cgroup]
        let pilot = layout.rows.lazy.compactMap { row -> TreeProcess? in
            if case .process(let process, _, _) = row, process.side == .pilot { return process }
            return nil
        }.first
        let rows: [Node<HTML.TableContext>] = layout.rows.compactMap { row in
            guard case .process(let process, let depth, _) = row else { return nil }
            let shown = process.side == .pilot || pilot == nil
                ? Array(kinds.prefix(4))
                : kinds.filter { process.namespaces[$0] != pilot?.namespaces[$0] }
            let ns = shown.isEmpty ? ["as pilot"] : shown.map { kind in "\(kind.rawValue):\(process.namespaces[kind].map(String.init) ?? "?")" }
            return .tr(
                ReportPage.cell(String(repeating: "· ", count: depth) + String(process.pid), className: "num"),
                ReportPage.cell(process.side.rawValue, className: "num"),
                .td(.class(process.sharesPilotUID ? "num failing-rules" : "num"), .untrusted(process.uid.map(String.init) ?? "?")),
                ReportPage.cell(.code(.untrusted(process.command))),
                ReportPage.cell(process.container, className: "words"),
                ReportPage.cell(.code(.group(ns.enumerated().map { index, text in .group(.if(index > 0, .br()), .untrusted(text)) })), className: "num")
            )
        }
        return ReportPage.table(headers: ["PID", "side", "uid", "command", "container", "namespaces (where not the pilot's)"], rows: rows, className: "processes")
    }

    /// Every verdict with its evidence; the remediation column only when something fails or warns.
    static func ruleTable(_ findings: [Finding], policy: Policy) -> BodyNode {
        let needsFix = findings.contains { $0.status == .fail || $0.status == .warn }
        let headers = ["rule", "status", "severity", "PID", "message", "evidence"] + (needsFix ? ["remediation"] : [])
        return ReportPage.table(headers: headers, rows: findings.map { finding in
            let rule = policy.rule(finding.rule)
            let fix = finding.status == .fail || finding.status == .warn ? rule.map { oneLine($0.remediation) } : nil
            return .tr(
                .class("st-\(finding.status.rawValue)"),
                .td(.class("num"), .strong(.untrusted(finding.rule)), .if(rule != nil, .untrustedAttribute("title", rule?.title ?? ""))),
                .td(ReportPage.badge(finding.status.rawValue, "st-\(finding.status.rawValue)")),
                ReportPage.cell(finding.severity.rawValue, className: "num"),
                ReportPage.cell(finding.pid.map(String.init), className: "num"),
                ReportPage.cell(finding.message),
                .td(.code(.group(EvidenceText.lines(finding.evidence).enumerated().map { index, line in
                    .group(.if(index > 0, .br()), .untrusted(line))
                }))),
                .if(needsFix, ReportPage.cell(fix ?? ""))
            )
        })
    }

    static func describe(_ container: ContainerInfo) -> String {
        container.runtime + (container.image.map { " " + $0 } ?? "")
    }

    static func commandLine(_ process: ProcessSample) -> String {
        guard let arguments = process.arguments, !arguments.isEmpty else { return "[\(process.stat.comm)]" }
        return arguments.joined(separator: " ")
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
