import Foundation
import TestSupport
import Testing

/// Debian's headless Chromium (`make deps` installs the `chromium` package), which renders a
/// report to a PNG the way an officer's browser would show it.
enum Chromium {
    static let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isInstalled: Bool { path != nil }
    static let missingReason = "needs Debian's chromium (make deps installs it) to render the report to a PNG"

    /// Screenshot of `html` at 1280x2000 into `png`. Chromium runs with a throw-away profile, no
    /// sandbox (the tests run as root) and no background networking; its process group is killed
    /// when it does not finish within two minutes.
    static func screenshot(_ html: String, to png: String) throws -> CommandResult {
        let chromium = try #require(path, "\(missingReason)")
        let profile = try TestDirectory("isotrace-reports")
        defer { profile.remove() }
        return try Command.run([
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-dev-shm-usage",
            "--user-data-dir=\(profile.path)", "--screenshot=\(png)", "--window-size=1280,2000",
            URL(fileURLWithPath: html).absoluteString,
        ], timeout: 120)
    }
}
