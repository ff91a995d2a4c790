import Foundation
import Policy
import TestSupport
import Testing

/// Paths of the repository and of the shared reference texts, and temporary policy files.
enum PolicyFixtures {

    static func policy(_ name: String) -> String {
        Repository.rootURL.appendingPathComponent("policies/\(name)").path
    }

    /// ../shared/reference/policy-sources.md: the only texts a rule's `source` may quote.
    static let policySources = Repository.rootURL.appendingPathComponent("../shared/reference/policy-sources.md").standardizedFileURL.path
    static let design = Repository.rootURL.appendingPathComponent("../shared/DESIGN.md").standardizedFileURL.path

    static var hasPolicySources: Bool { FileManager.default.isReadableFile(atPath: policySources) }

    /// The rule IDs of DESIGN.md's "Rule IDs" table.
    static let designRuleIDs = [
        "ISO-UID", "ISO-PIDNS", "ISO-MNTNS", "ISO-IPCNS", "ISO-PROC", "ISO-SIGNAL", "ISO-PTRACE", "ISO-CRED",
        "ISO-TMP", "ISO-XPAYLOAD", "PRIV-NNP", "PRIV-CAPS", "TRACE-ATTR", "TRACE-CGROUP",
        "NODE-PTRACE", "NODE-USERNS", "NODE-SETUID",
    ]

    /// Writes `files` (name -> YAML) into a new temporary directory, runs `body` with that
    /// directory's path, and removes the directory afterwards.
    static func withFiles<T>(_ files: [String: String], _ body: (String) throws -> T) throws -> T {
        let directory = try TestDirectory("isotrace-policy")
        defer { directory.remove() }
        for (name, text) in files { try directory.write(text, name) }
        return try body(directory.path)
    }

    /// The issues of one policy written to a temporary file (named `name` in issues' paths).
    static func lint(_ yaml: String) throws -> [PolicyLintIssue] {
        try withFiles(["policy.yaml": yaml]) { PolicyLoader.lint(path: $0 + "/policy.yaml") }
    }

    /// A minimal valid standalone policy with `rules` appended (already indented as list items).
    static func standalone(_ rules: String) -> String {
        """
        id: test
        version: "1"
        rules:
        \(rules)
        """
    }
}

/// Expects exactly one issue at `line`:`column` whose message contains `text`.
func expectIssue(_ issues: [PolicyLintIssue], line: Int, column: Int, containing text: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let matching = issues.filter { $0.line == line && $0.column == column && $0.message.contains(text) }
    #expect(matching.count == 1, "no single issue at \(line):\(column) containing \"\(text)\" in:\n\(issues.map(\.description).joined(separator: "\n"))",
            sourceLocation: sourceLocation)
}
