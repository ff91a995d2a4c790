import Foundation

/// Files of the repository, found from this source file's path (symlinks resolved, so a scratch
/// package that links Tests/ still finds the real checkout): tests read fixtures and policies by
/// path, not as bundle resources.
public enum Repository {
    /// The repository root (the directory holding Package.swift).
    public static let rootURL: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let root: String = rootURL.path

    /// `relative` (e.g. "policies/wlcg-mupj.yaml") under the repository root.
    public static func path(_ relative: String) -> String { rootURL.appendingPathComponent(relative).path }

    /// The /proc fixture trees (Tests/ProcFSTests/Fixtures/<name>/proc).
    public static let procFixtures: String = path("Tests/ProcFSTests/Fixtures")

    /// The `proc` directory of the fixture tree `name`.
    public static func procFixture(_ name: String) -> String { procFixtures + "/" + name + "/proc" }

    /// A /proc copy with a pilot and a leaky payload: `audit --proc-root` on it is deterministic.
    public static let pilot3ProcRoot: String = procFixture("pilot3-generic")

    /// The bundled base policy.
    public static let policy: String = path("policies/wlcg-mupj.yaml")

    /// The README's outside-verification recipe.
    public static let verifyScript: String = path("tools/verify_records.py")

    /// The strict XML parse and PNG check of the HTML reports.
    public static let htmlChecker: String = path("Tests/ReportsTests/check_html.py")
}
