import Foundation
import Jobs
import Policy
import Testing

/// The policies shipped in policies/: they load, lint clean, cover DESIGN.md's rule IDs, and
/// quote only the texts of ../shared/reference/policy-sources.md.
@Suite struct BundledPolicyTests {
    static let files = ["wlcg-mupj.yaml", "site-example.yaml"]

    @Test(arguments: files) func loadsAndLintsClean(_ name: String) throws {
        let path = PolicyFixtures.policy(name)
        #expect(PolicyLoader.lint(path: path) == [])
        let policy = try PolicyLoader.load(path: path)
        #expect(!policy.rules.isEmpty)
        #expect(policy.sha256.count == 64 && policy.sha256.allSatisfy(\.isHexDigit))
        for rule in policy.rules {
            #expect(!rule.remediation.isEmpty, "\(rule.id) has no remediation")
            #expect(!rule.title.isEmpty, "\(rule.id) has no title")
        }
    }

    @Test func baseHasEveryDesignRuleExactlyOnce() throws {
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        #expect(policy.id == "wlcg-mupj")
        #expect(policy.rules.map(\.id) == PolicyFixtures.designRuleIDs)
        // The YAML text itself: one `- id:` line per rule ID (a duplicate would also fail lint).
        let text = try String(contentsOfFile: PolicyFixtures.policy("wlcg-mupj.yaml"), encoding: .utf8)
        for id in PolicyFixtures.designRuleIDs {
            #expect(text.components(separatedBy: "- id: \(id)\n").count == 2, "\(id) is not defined exactly once")
        }
    }

    @Test(.enabled(if: FileManager.default.isReadableFile(atPath: PolicyFixtures.design),
                   "../shared/DESIGN.md is not next to the repository"))
    func designTableMatchesTheRuleIDsTested() throws {
        let design = try String(contentsOfFile: PolicyFixtures.design, encoding: .utf8)
        let section = design.components(separatedBy: "## Rule IDs")[1].components(separatedBy: "\n## ")[0]
        let ids = section.matches(of: /\b(?:ISO|PRIV|TRACE|NODE)-[A-Z]+\b/).map { String($0.output) }
        var seen: [String] = []
        for id in ids where !seen.contains(id) { seen.append(id) }
        #expect(seen == PolicyFixtures.designRuleIDs)
    }

    @Test func baseMatchesTheBuiltInDefaultsAndChecks() throws {
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        #expect(policy.pilots == PilotPatterns.default)
        #expect(policy.credentials.environmentVariables == ["X509_USER_PROXY"])
        #expect(policy.credentials.paths.contains("/tmp/x509up_u{uid}"))
        #expect(policy.extraEnvironment == [])
        let expected: [String: (CheckKind, [String: PolicyValue])] = [
            "ISO-UID": (.differentUID, [:]),
            "ISO-PIDNS": (.differentNamespace, ["namespace": .string("pid")]),
            "ISO-MNTNS": (.differentNamespace, ["namespace": .string("mnt")]),
            "ISO-IPCNS": (.differentNamespace, ["namespace": .string("ipc")]),
            "ISO-PROC": (.procUnreadable, [:]),
            "ISO-SIGNAL": (.signalBlocked, [:]),
            "ISO-PTRACE": (.ptraceBlocked, [:]),
            "ISO-CRED": (.credentialsUnreadable, ["acl_verdict": .string("warn")]),
            "ISO-TMP": (.privateTmp, [:]),
            "ISO-XPAYLOAD": (.crossPayload, [:]),
            "PRIV-NNP": (.noNewPrivs, [:]),
            "PRIV-CAPS": (.noCapabilities, [:]),
            "TRACE-ATTR": (.attribution, [:]),
            "TRACE-CGROUP": (.cgroupContained, [:]),
            "NODE-PTRACE": (.nodePtraceScope, ["minimum": .integer(1)]),
            "NODE-USERNS": (.nodeUserNamespaces, [:]),
        ]
        for (id, (check, parameters)) in expected {
            let rule = try #require(policy.rule(id))
            #expect(rule.check == check, "\(id)")
            #expect(rule.parameters == parameters, "\(id)")
            #expect(rule.enabled && rule.exemptions.isEmpty, "\(id)")
        }
        let setuid = try #require(policy.rule("NODE-SETUID"))
        #expect(setuid.check == .nodeSetuidRuntime)
        #expect(setuid.parameters["paths"]?.stringList?.contains("/usr/libexec/apptainer/bin/starter-suid") == true)
        for id in ["ISO-UID", "ISO-SIGNAL", "ISO-PTRACE", "ISO-CRED"] {
            #expect(try #require(policy.rule(id)).severity >= .high, "\(id)")
        }
        for rule in policy.rules where rule.check.isNodeCheck {
            #expect(rule.severity <= .low, "\(rule.id)")
        }
    }

    /// A standalone policy's sha256 is the hex SHA-256 of its bytes (as `sha256sum` prints it).
    @Test func sha256IsTheFileHash() throws {
        let path = PolicyFixtures.policy("wlcg-mupj.yaml")
        let policy = try PolicyLoader.load(path: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(policy.sha256 == (try SHA256Sum.hex(of: bytes)))
    }

    @Test(.enabled(if: PolicyFixtures.hasPolicySources,
                   "../shared/reference/policy-sources.md is not next to the repository, so quotes cannot be compared"),
          arguments: files)
    func everyQuoteIsVerbatim(_ name: String) throws {
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy(name))
        let reference = try String(contentsOfFile: PolicyFixtures.policySources, encoding: .utf8)
        // Text in «…» is exact; the file wraps its lines, which the originals do not.
        let exact = reference.matches(of: /«([^»]*)»/).map { collapse(String($0.output.1)) }
        #expect(exact.count > 20)
        var quotes = 0
        for rule in policy.rules {
            for source in rule.sources {
                quotes += 1
                let quote = collapse(source.quote)
                #expect(!quote.contains("[…]"), "\(rule.id) quotes across a cut: \(quote)")
                #expect(exact.contains { $0.contains(quote) }, "\(rule.id) quotes text not in policy-sources.md: \(quote)")
                #expect(!source.document.isEmpty && source.clause.contains("VERBATIM"), "\(rule.id): \(source.clause)")
            }
        }
        #expect(quotes > 10)
    }

    private func collapse(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
