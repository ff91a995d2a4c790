/// How bad a failing rule is. Ordered: `--fail-on high` fails on high and critical only.
public enum Severity: String, CaseIterable, Comparable, Sendable, Codable {
    case info, low, medium, high, critical

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
