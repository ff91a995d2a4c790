import Policy
import Testing

/// Issue 21 finding 10: a policy file is input too. An alias bomb used as a mapping key hung
/// `policy lint` and `audit --policy`; `extends: /etc/shadow` made lint quote every line of it.
@Suite struct HostilePolicyTests {
    /// 570-odd bytes: ten levels of ten aliases each, the last one used as a mapping key.
    static let aliasBomb: String = {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...10 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n? *a10\n: boom\n"
    }()

    /// Looks like /etc/shadow: one plain multi-line YAML string.
    static let shadow = "root:$6$SECRETHASHroot:19000:0:99999:7:::\nbob:$6$SECRETHASHbob:19000:0:99999:7:::\n"

    @Test func aliasBombIsRefusedNotExpanded() throws {
        #expect(Self.aliasBomb.utf8.count < 700)
        let issues = try PolicyFixtures.lint(Self.aliasBomb)
        expectIssue(issues, line: 2, column: 10, containing: "YAML aliases (*name) are not allowed in a policy file")
        #expect(issues.count == 1, "\(issues)")
    }

    @Test func aliasInAnOtherwiseValidPolicyIsRefused() throws {
        let issues = try PolicyFixtures.lint(PolicyFixtures.standalone("""
              - id: ISO-UID
                check: different_uid
                severity: &high high
                remediation: r
              - id: ISO-PIDNS
                check: different_namespace
                namespace: pid
                severity: *high
                remediation: r
            """))
        #expect(issues.map(\.message).contains { $0.contains("YAML aliases") }, "\(issues)")
    }

    @Test func extendsOfAFileThatIsNotAPolicyNeverQuotesIt() throws {
        for name in ["shadow", "shadow.yaml"] {
            let issues = try PolicyFixtures.withFiles([
                "site.yaml": "extends: \(name)\nid: s\nversion: \"1\"\n",
                name: Self.shadow,
            ]) { PolicyLoader.lint(path: $0 + "/site.yaml") }
            #expect(!issues.isEmpty)
            for issue in issues {
                #expect(!issue.message.contains("SECRETHASH") && !issue.message.contains("root:"), "\(name): \(issue)")
            }
        }
    }

    @Test func lintOfANonPolicyFileNeverQuotesIt() throws {
        for text in [Self.shadow, "password: hunter2SECRETHASH\ntoken: abcSECRETHASH\n"] {
            let issues = try PolicyFixtures.lint(text)
            #expect(issues.count == 1, "\(issues)")
            #expect(issues.allSatisfy { $0.message.contains("not a policy file") && !$0.message.contains("SECRETHASH") }, "\(issues)")
        }
    }
}
