import Base
import Foundation
import ProcFS
@testable import Reports
import TestSupport
import Testing

/// A real browser draws the report: headless Chromium renders the fixture audit to a PNG whose
/// size, dimensions and colours are checked (the failing job's red is on the page).
@Suite(.enabled(if: Chromium.isInstalled, "\(Chromium.missingReason)"),
       .enabled(if: ReportChecker.python != nil, "needs python3 (make deps installs it) to read the PNG"))
struct ScreenshotTests {
    @Test("headless Chromium renders the fixture audit report to a 1280x2000 PNG showing the verdict colours")
    func chromiumRendersTheAuditReport() throws {
        try ReportFixtures.withHostileTree { procRoot in
            let result = try ReportFixtures.audit(procRoot: procRoot)
            let directory = try TestDirectory("isotrace-reports")
            defer { directory.remove() }
            let html = try directory.write(AuditReport.render(result, generatedAt: UTCTime.now(), generator: "isotrace test"), "audit.html")
            let png = directory.path + "/audit.png"
            let run = try Chromium.screenshot(html, to: png)
            #expect(run.status == 0 && !run.timedOut, "\(run.description)")
            let size = try #require(try FileManager.default.attributesOfItem(atPath: png)[.size] as? Int, "no screenshot written: \(run.description)")
            #expect(size > 50_000, "a page with text and drawings, not a blank one: \(size) bytes")
            #expect(size < 5_000_000)
            let image = try ReportChecker.image(png)
            #expect(image.width == 1280 && image.height == 2000, "IHDR \(image.width)x\(image.height)")
            #expect((image.badPixels ?? 0) > 5_000, "the not-isolated red is drawn: \(String(describing: image.badPixels)) pixels")
        }
    }
}
