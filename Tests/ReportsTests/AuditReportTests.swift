import Base
import Foundation
import Jobs
import Policy
import ProcFS
@testable import Reports
import TestSupport
import Testing

/// `audit --format html` on fixture trees (no root needed): the page is well-formed under a
/// strict parser, self-contained, names every PanDA ID, rule ID and PID of the audit, and shows a
/// hostile command line as text.
@Suite(.enabled(if: ReportChecker.python != nil, "needs python3 (make deps installs it) for the strict XML parse"))
struct AuditReportTests {
    static let generatedAt = UTCTime(millisecondsSinceEpoch: 1_795_676_753_000)

    static func render(_ result: AuditResult) -> String {
        AuditReport.render(result, generatedAt: generatedAt, generator: "isotrace test")
    }

    @Test("the fixture audit: well-formed, self-contained, every PanDA ID, rule ID and PID shown")
    func fixtureAuditReport() throws {
        let result = try ReportFixtures.audit(procRoot: ReportFixtures.pilot3 + "/proc")
        let directory = try TestDirectory("isotrace-reports")
        defer { directory.remove() }
        let html = Self.render(result)
        let page = try ReportChecker.page(try directory.write(html, "audit.html"))

        #expect(page.external.isEmpty, "no link or source leaves the page: \(page.external)")
        #expect(page.elements.isDisjoint(with: ["script", "iframe", "object", "embed", "img", "link", "base", "form"]), "\(page.elements)")
        #expect(!page.attributes.contains { $0.hasPrefix("on") }, "no event handler attribute: \(page.attributes)")
        #expect(page.elements.isSuperset(of: ["svg", "rect", "table", "style"]))

        let jobs = result.jobs.map(\.job.pandaID)
        #expect(jobs == [ReportFixtures.pandaID])
        for id in jobs { #expect(page.text.contains(id), "PanDA ID \(id)") }
        let rules = Set(result.allFindings.map(\.rule))
        #expect(rules.count == 17, "every rule of the policy gives a verdict: \(rules.sorted())")
        for rule in rules { #expect(page.text.contains(rule), "rule \(rule)") }
        var pids = Set(result.jobs.flatMap { $0.job.processes.map(\.pid) })
        for audit in result.jobs {
            if let pilot = audit.pilot { pids.formUnion([pilot.pid] + pilot.pilotSidePIDs + (pilot.wrapper.map { [$0.pid] } ?? [])) }
        }
        pids.formUnion(result.allFindings.compactMap(\.pid))
        #expect(pids == Set(ReportFixtures.pids))
        for pid in pids { #expect(page.text.contains(String(pid)), "PID \(pid)") }

        #expect(page.text.contains("NOT ISOLATED"))
        #expect(page.text.contains(result.policy.sha256), "the full policy hash")
        #expect(page.text.contains(result.snapshot.node.bootID ?? "no boot id"))
        #expect(html.contains("@media print"), "a print section")
        #expect(html.contains("class=\"job not-isolated\""))
    }

    @Test("a hostile command line (markup, quotes, entities, invalid UTF-8, bidi override, control byte) is shown as text")
    func hostileCommandLineIsEscaped() throws {
        try ReportFixtures.withHostileTree { procRoot in
            var result = try ReportFixtures.audit(procRoot: procRoot)
            // A DN from a file the payload could write is a claim: shown, escaped, and marked so.
            result.jobs[0].owner = JobOwner(dn: "/DC=ch/CN=<b onclick=\"x\">Mallory</b>", source: "/work/PanDA_Pilot-1/base_trace_report.json", payloadWritable: true)
            let process = try #require(result.jobs.first?.job.processes.first { $0.pid == ReportFixtures.hostilePID })
            #expect(process.arguments?.count == ReportFixtures.hostileArguments.count, "the sampler kept every argument: \(process.arguments ?? [])")
            let directory = try TestDirectory("isotrace-reports")
            defer { directory.remove() }
            let html = Self.render(result)
            let page = try ReportChecker.page(try directory.write(html, "hostile.html"))

            #expect(!html.lowercased().contains("<script"), "no script tag anywhere in the file")
            #expect(!html.contains("<img"), "no img tag")
            #expect(!page.elements.contains("script") && !page.elements.contains("img"))
            #expect(!page.attributes.contains("onerror"))
            for shown in ReportFixtures.hostileShown {
                #expect(page.text.contains(shown), "shown as text: \(shown)")
            }
            #expect(!page.text.contains("\u{202E}"), "the bidi override does not reach the reader")
            #expect(page.text.contains("/DC=ch/CN=<b onclick=\"x\">Mallory</b> claim"), "the DN as text, marked a claim")
            #expect(page.text.contains("a claim only: the payload could write /work/PanDA_Pilot-1/base_trace_report.json"))
            #expect(!page.elements.contains("b") && !page.attributes.contains("onclick"))
            #expect(!page.text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "no control character reaches the page")
        }
    }

    @Test("a payload subtree in new PID and mount namespaces is drawn inside a namespace box")
    func namespaceBoundaryIsDrawn() throws {
        try ReportFixtures.withHostileTree { procRoot in
            let result = try ReportFixtures.audit(procRoot: procRoot)
            let audit = try #require(result.jobs.first)
            let layout = ProcessTreeLayout(AuditReport.treeProcesses(audit, snapshot: result.snapshot))
            let box = try #require(layout.boxes.first, "one boundary")
            #expect(layout.boxes.count == 1)
            #expect(box.kinds == [.pid, .mnt])
            let boxed = (box.firstRow...box.lastRow).compactMap { row -> Int32? in
                if case .process(let process, _, _) = layout.rows[row] { return process.pid }
                return nil
            }
            #expect(boxed == [ReportFixtures.namespacedPID, 25630], "the boundary process and its child, nothing else")
            let html = Self.render(result)
            #expect(html.contains("class=\"ns-box\""))
            #expect(html.contains("new pid+mnt namespaces"))
            #expect(html.contains("pid:[\(ReportFixtures.newPIDNamespace)]"))
        }
    }

    @Test("default file name: reports/audit-<host>-<UTC time>.html, safe for any hostname")
    func defaultFileName() {
        let time = UTCTime(millisecondsSinceEpoch: 1_795_676_753_063)
        #expect(ReportFileName.audit(host: "wn-01.cern.ch", at: time) == "reports/audit-wn-01.cern.ch-20261126T070553Z.html")
        #expect(ReportFileName.audit(host: "../../etc/x y", at: time) == "reports/audit-_.._etc_x_y-20261126T070553Z.html")
        #expect(ReportFileName.audit(host: nil, at: time, directory: "/tmp/r") == "/tmp/r/audit-unknown-host-20261126T070553Z.html")
        #expect(ReportFileName.incident(pandaID: "9100000001", at: time) == "reports/incident-9100000001-20261126T070553Z.html")
    }
}
