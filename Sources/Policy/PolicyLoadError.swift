/// A policy that could not be loaded, with every problem found in it (and in the files it
/// extends), not just the first: a site fixes them all in one round.
public struct PolicyLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Never empty.
    public var issues: [PolicyLintIssue]

    public init(issues: [PolicyLintIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
