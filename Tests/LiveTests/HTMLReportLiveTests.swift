import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Live {
    /// `isotrace simulate all; isotrace audit --format html` and the incident report of the
    /// isolated job (issue 9, "Done when"): well-formed under a strict parser, every PanDA ID,
    /// rule ID and PID of the audit on the page, the isolated and the leaky job marked apart, a
    /// real headless Chromium drawing both verdict colours, verified proofs for the isolated job.
    @Suite(.rootForSimulate, .simulateTools)
    struct HTMLReportLiveTests {
        @Test("audit --format html: strict parse, every PanDA ID, rule ID and PID, isolated and leaky apart, Chromium renders it")
        func auditReport() throws {
            let simulation = try LiveSimulation("all")
            defer { simulation.stop() }
            let directory = try TestDirectory("isotrace-live-html").url
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("audit.html").path

            let run = try IsotraceBinary.run(["audit", "--format", "html", "--policy", SimulationRequirements.basePolicy, "--output", file])
            #expect(run.status == 1, "violations found: exit 1\n\(run.description)")
            #expect(run.stdout.isEmpty, "the report goes to the file, not stdout")
            #expect(run.stderr.contains("wrote HTML audit report \(file)"), "\(run.stderr)")
            // The JSON of an audit right after, for the IDs the page must name (the simulated trees hold still).
            let audit = try AuditDocument.run()
            let html = try String(contentsOfFile: file, encoding: .utf8)
            let page = try ReportChecker.page(file)
            let text = page.text
            #expect(page.external.isEmpty, "no fetch leaves the page: \(page.external)")
            #expect(!page.elements.contains("script"))

            for mode in ["isolated", "leaky", "userns"] {
                let simulated = try simulation.job(mode)
                let job = try audit.job(simulated)
                #expect(text.contains(simulated.pandaID), "\(mode): PanDA ID")
                let pids = job.processPIDs.union([simulated.pilotPID]).union(job.findings.compactMap { $0["pid"] as? Int })
                for pid in pids.sorted() { #expect(text.contains(String(pid)), "\(mode): PID \(pid)") }
                for finding in job.findings {
                    let rule = try #require(finding["rule"] as? String)
                    #expect(text.contains(rule), "\(mode): rule \(rule)")
                }
                let root = try #require(job.processes.first?["pid"] as? Int)
                let verdict = mode == "isolated" ? "isolated" : "not-isolated"
                #expect(html.contains("class=\"job \(verdict)\" id=\"job-\(simulated.pandaID)-\(root)\""), "\(mode): section marked \(verdict)")
            }
            for finding in audit.nodeFindings {
                #expect(text.contains(finding["rule"] as? String ?? "?"), "node rule \(finding["rule"] ?? "?")")
            }

            try #require(Chromium.isInstalled, "\(Chromium.missingReason)")
            let png = directory.appendingPathComponent("audit.png").path
            // Other engineers' node-shaped benchmarks can put a thousand jobs on the page: allow for it.
            let browser = try Chromium.screenshot(file, to: png, timeout: 300)
            #expect(browser.status == 0 && !browser.timedOut, "chromium: \(browser)")
            let size = (try FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
            #expect(size > 50_000 && size < 5_000_000, "PNG of \(size) bytes")
            let image = try ReportChecker.image(png)
            #expect(image.width == 1280 && image.height == 2000, "IHDR \(image)")
            // The summary bar alone gives each side at least 80x34 pixels, however many foreign jobs the node runs.
            #expect((image.okPixels ?? 0) > 2_000, "the isolated green is on screen: \(image)")
            #expect((image.badPixels ?? 0) > 2_000, "the not-isolated red is on screen: \(image)")
        }

        @Test("query --panda-id 9100000001 --format html: every process of the isolated job and verified proofs")
        func incidentReport() throws {
            let simulation = try LiveSimulation("all")
            defer { simulation.stop() }
            let directory = try TestDirectory("isotrace-live-incident").url
            defer { try? FileManager.default.removeItem(at: directory) }
            let out = directory.path
            let keygen = try IsotraceBinary.run(["keygen", "--out", out])
            try #require(keygen.status == 0, "\(keygen.description)")
            let record = try IsotraceBinary.run(["audit", "--record", "--out", out, "--format", "json", "--policy", SimulationRequirements.basePolicy])
            try #require(record.status == 1, "\(record.description)")
            let audit = AuditDocument(status: record.status, document: try IsotraceBinary.json(record), stderr: record.stderr)
            let simulated = try simulation.job("isolated")
            let job = try audit.job(simulated)

            let file = directory.appendingPathComponent("incident.html").path
            let query = try IsotraceBinary.run(["query", "--panda-id", simulated.pandaID, "--format", "html", "--out", out, "--output", file])
            #expect(query.status == 0, "\(query.description)")
            #expect(query.stderr.contains("wrote HTML incident report \(file)"))
            #expect(query.stderr.contains("cited record(s) verified, chain intact"), "\(query.stderr)")
            let page = try ReportChecker.page(file)
            let text = page.text
            for pid in job.processPIDs.union([simulated.pilotPID]).sorted() {
                #expect(text.contains(String(pid)), "PID \(pid)")
            }
            #expect(text.contains("Incident report: PanDA job \(simulated.pandaID)"))
            #expect(text.contains("✓ verified"))
            #expect(!text.contains("✗ FAILED"))
            // keygen's key_rotation (root key), audit --record's start rotation, then the audit.
            #expect(text.contains("intact: 3 record(s)"))
            #expect(text.contains("tools/verify_records.py \(out)/records \(out)/keys/isotrace.pub"))

            let stdout = try IsotraceBinary.run(["query", "--panda-id", simulated.pandaID, "--format", "html", "--out", out, "--output", "-"])
            #expect(stdout.status == 0 && stdout.stdout.hasPrefix("<!DOCTYPE html>"), "--output - writes the page to stdout")
            let refused = try IsotraceBinary.run(["query", "--pid", "1", "--format", "html", "--out", out])
            #expect(refused.status == 2, "html needs --panda-id: usage error, exit 2: \(refused.description)")
        }
    }
}
