import Foundation
import Policy
import Testing

/// Paths of the repository and of the shared reference texts, and temporary policy files.
enum PolicyFixtures {
    /// The repository root, found from this file's path (symlinks resolved, so a scratch package
    /// that links Tests/ still finds the real checkout and its neighbours).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func policy(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("policies/\(name)").path
    }

    /// ../shared/reference/policy-sources.md: the only texts a rule's `source` may quote.
    static let policySources = repositoryRoot.appendingPathComponent("../shared/reference/policy-sources.md").standardizedFileURL.path
    static let design = repositoryRoot.appendingPathComponent("../shared/DESIGN.md").standardizedFileURL.path

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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("isotrace-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in files {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
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
