import Foundation

/// Debian's headless Chromium (`make deps` installs the `chromium` package), which renders a
/// report to a PNG the way an officer's browser would show it.
public enum Chromium {
    public static let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: Executables.isExecutable)
    public static var isInstalled: Bool { path != nil }
    public static let missingReason = "needs Debian's chromium (make deps installs it) to render the report to a PNG"

    /// Screenshot of `html` at 1280x2000 into `png`. Chromium runs with a throw-away profile, no
    /// sandbox (the tests run as root) and no background networking; its process group is killed
    /// when it does not finish within `timeout` seconds (`timedOut` in the result).
    public static func screenshot(_ html: String, to png: String, timeout: Int = 120) throws -> CommandResult {
        guard let chromium = path else { throw SpawnError(message: missingReason) }
        let profile = try TestDirectory("isotrace-chromium")
        defer { profile.remove() }
        return try Command.run([
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-dev-shm-usage",
            "--user-data-dir=\(profile.path)", "--screenshot=\(png)", "--window-size=1280,2000",
            URL(fileURLWithPath: html).absoluteString,
        ], timeout: timeout)
    }
}
