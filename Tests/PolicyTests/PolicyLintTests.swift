import Policy
import Testing

/// Broken policies give the expected issues, each at the line and column of the offending text.
@Suite struct PolicyLintTests {
    static let rule = """
          - id: ISO-UID
            check: different_uid
            severity: high
            remediation: separate uids
        """

    @Test func cleanMinimalPolicy() throws {
        #expect(try PolicyFixtures.lint(PolicyFixtures.standalone(Self.rule)) == [])
    }

    @Test func unknownKeysAtEveryLevel() throws {
        let issues = try PolicyFixtures.lint("""
            id: test
            version: "1"
            colour: blue
            pilots:
              wrapper: ["x"]
            rules:
              - id: ISO-UID
                check: different_uid
                severity: high
                remediation: r
                remedy: s
                source:
                  - {document: d, clause: c, quote: q, page: 3}
            """)
        expectIssue(issues, line: 3, column: 1, containing: "unknown key 'colour' in the policy; expected one of: extends, id, version")
        expectIssue(issues, line: 5, column: 3, containing: "unknown key 'wrapper' in 'pilots'")
        expectIssue(issues, line: 11, column: 5, containing: "unknown key 'remedy' in rule 'ISO-UID'")
        expectIssue(issues, line: 13, column: 44, containing: "unknown key 'page' in source #1 of rule 'ISO-UID'")
        #expect(issues.count == 4)
    }

    @Test func unknownCheckKindListsTheKnownOnes() throws {
        let issues = try PolicyFixtures.lint(PolicyFixtures.standalone("""
              - id: ISO-UID
                check: different_gid
                severity: high
                remediation: r
            """))
        expectIssue(issues, line: 5, column: 12, containing: "unknown check kind 'different_gid' in rule 'ISO-UID'; known kinds: different_uid, different_namespace")
        #expect(issues.count == 1)
    }

    @Test func duplicateRuleID() throws {
        let issues = try PolicyFixtures.lint(PolicyFixtures.standalone(Self.rule + "\n" + Self.rule))
        expectIssue(issues, line: 8, column: 9, containing: "duplicate rule id 'ISO-UID' (first defined at line 4)")
        #expect(issues.count == 1)
    }

    @Test func wrongTypes() throws {
        let issues = try PolicyFixtures.lint("""
            id: test
            version: "1"
            pilots:
              wrappers: runpilot*
            credentials:
              paths: [x509up]
            rules:
              - id: NODE-PTRACE
                check: node_ptrace_scope
                severity: low
                remediation: r
                parameters: {minimum: one}
                enabled: maybe
                source: a quote
            """)
        expectIssue(issues, line: 4, column: 13, containing: "'pilots.wrappers' must be a list of strings, found a string ('runpilot*')")
        expectIssue(issues, line: 6, column: 11, containing: "credential path 'x509up' must be absolute")
        expectIssue(issues, line: 12, column: 27, containing: "parameter 'minimum' of rule 'NODE-PTRACE' must be an integer, found a string ('one')")
        expectIssue(issues, line: 13, column: 14, containing: "'enabled' of rule 'NODE-PTRACE' must be true or false")
        expectIssue(issues, line: 14, column: 13, containing: "'source' of rule 'NODE-PTRACE' must be a list, found a string")
        #expect(issues.count == 5)
    }

    @Test func badSeverity() throws {
        let issues = try PolicyFixtures.lint(PolicyFixtures.standalone("""
              - id: ISO-UID
                check: different_uid
                severity: severe
                remediation: r
            """))
        expectIssue(issues, line: 6, column: 15, containing: "severity 'severe' of rule 'ISO-UID' is not one of: info, low, medium, high, critical")
        #expect(issues.count == 1)
    }

    @Test func missingRequiredKeys() throws {
        let issues = try PolicyFixtures.lint("""
            title: no id or version
            rules:
              - id: ISO-UID
                check: different_uid
              - check: different_uid
                severity: low
                remediation: r
            """)
        expectIssue(issues, line: 1, column: 1, containing: "the policy is missing required key 'id'")
        expectIssue(issues, line: 1, column: 1, containing: "the policy is missing required key 'version'")
        expectIssue(issues, line: 3, column: 5, containing: "rule 'ISO-UID' is missing required key 'severity'")
        expectIssue(issues, line: 3, column: 5, containing: "rule 'ISO-UID' is missing required key 'remediation'")
        expectIssue(issues, line: 5, column: 5, containing: "rule #2 is missing required key 'id'")
        #expect(issues.count == 5)
        #expect(try PolicyFixtures.lint("id: x\nversion: \"1\"\n") .map(\.message) == ["the policy is missing required key 'rules'"])
    }

    @Test func parametersNotAcceptedOrMissing() throws {
        let issues = try PolicyFixtures.lint(PolicyFixtures.standalone("""
              - id: ISO-UID
                check: different_uid
                severity: high
                remediation: r
                parameters: {namespace: pid}
              - id: ISO-PIDNS
                check: different_namespace
                severity: high
                remediation: r
                parameters: {namespace: pdi, minimum: 1}
              - id: ISO-IPCNS
                check: different_namespace
                severity: low
                remediation: r
              - id: NODE-SETUID
                check: node_setuid_runtime
                severity: info
                remediation: r
                parameters: {paths: [bin/starter-suid]}
            """))
        expectIssue(issues, line: 8, column: 18, containing: "check kind 'different_uid' of rule 'ISO-UID' takes no parameter 'namespace' (it takes none)")
        expectIssue(issues, line: 13, column: 29, containing: "namespace 'pdi' is not one of: pid, mnt, ipc, net, uts, user, cgroup, time")
        expectIssue(issues, line: 13, column: 34, containing: "check kind 'different_namespace' of rule 'ISO-PIDNS' takes no parameter 'minimum'; it accepts: namespace")
        expectIssue(issues, line: 14, column: 5, containing: "rule 'ISO-IPCNS' is missing parameter 'namespace', required by check kind 'different_namespace'")
        expectIssue(issues, line: 22, column: 25, containing: "path 'bin/starter-suid' must be absolute")
        #expect(issues.count == 5)
    }

    @Test func sourcesAndExemptions() throws {
        let issues = try PolicyFixtures.lint(PolicyFixtures.standalone("""
              - id: ISO-UID
                check: different_uid
                severity: high
                remediation: r
                source:
                  - document: d
                    clause: c
                    quote: "  "
                  - {document: d, quote: q}
                exemptions:
                  - reason: matches nothing
                  - transformations: ["*es*"]
            """))
        expectIssue(issues, line: 11, column: 16, containing: "'quote' of source #1 of rule 'ISO-UID' must not be empty")
        expectIssue(issues, line: 12, column: 9, containing: "source #2 of rule 'ISO-UID' is missing required key 'clause'")
        expectIssue(issues, line: 14, column: 9, containing: "exemption #1 of rule 'ISO-UID' matches no job")
        expectIssue(issues, line: 15, column: 9, containing: "exemption #2 of rule 'ISO-UID' is missing required key 'reason'")
        #expect(issues.count == 4)
    }

    @Test func yamlSyntaxErrorsCarryYamsPosition() throws {
        let flow = try PolicyFixtures.lint("id: x\nversion: \"1\"\nrules:\n  - id: A\n    check: [unclosed\n")
        #expect(flow.count == 1)
        #expect(flow.first?.message.hasPrefix("YAML syntax error: did not find expected ',' or ']'") == true)
        #expect(flow.first?.message.contains("line 5, column 12") == true)
        #expect(flow.first?.line == 6 && flow.first?.column == 1)

        let indent = try PolicyFixtures.lint("id: x\nversion: \"1\"\n  rules: []\n")
        expectIssue(indent, line: 3, column: 3, containing: "YAML syntax error: did not find expected key (while parsing a block mapping at line 1, column 1)")

        let duplicate = try PolicyFixtures.lint("id: x\nversion: \"1\"\nid: y\nrules: []\n")
        expectIssue(duplicate, line: 1, column: 1, containing: "duplicate key 'id' in a mapping")
    }

    /// `yes` and `"yes"` are different keys to YAML 1.1 (a bool and a string): the basic resolver
    /// the policy is composed with takes them for one, and the default resolver's verdict stands.
    @Test func plainAndQuotedKeysThatResolveApart() throws {
        let issues = try PolicyFixtures.lint("id: x\nversion: \"1\"\nrules: []\nyes: 1\n\"yes\": 2\n")
        #expect(!issues.contains { $0.message.contains("duplicate key") })
        #expect(issues.filter { $0.message.hasPrefix("unknown key 'yes'") }.count == 2)
        let twice = try PolicyFixtures.lint("id: x\nversion: \"1\"\nrules: []\nyes: 1\nyes: 2\n")
        expectIssue(twice, line: 4, column: 1, containing: "duplicate key 'yes' in a mapping")
    }

    @Test func wholeFileProblems() throws {
        #expect(try PolicyFixtures.lint("").map(\.message) == ["the policy file is empty; expected a mapping with id, version and rules"])
        expectIssue(try PolicyFixtures.lint("- a\n- b\n"), line: 1, column: 1, containing: "the policy must be a mapping, found a list")
        let missing = PolicyLoader.lint(path: "/nonexistent/isotrace/policy.yaml")
        #expect(missing == [PolicyLintIssue(file: "/nonexistent/isotrace/policy.yaml", line: 1, column: 1, message: "cannot read the policy file")])
    }

    /// Every problem is reported, in file order, and `load` throws them all.
    @Test func everyProblemAtOnce() throws {
        let yaml = """
            id: test
            version: "1"
            colour: blue
            rules:
              - id: A
                check: nope
                severity: severe
              - id: A
                check: different_uid
                severity: high
                remediation: r
            """
        let issues = try PolicyFixtures.lint(yaml)
        #expect(issues.map(\.line) == [3, 5, 6, 7, 8])
        _ = try PolicyFixtures.withFiles(["p.yaml": yaml]) { directory in
            #expect(throws: PolicyLoadError(issues: PolicyLoader.lint(path: directory + "/p.yaml"))) {
                try PolicyLoader.load(path: directory + "/p.yaml")
            }
        }
        #expect(issues.allSatisfy { $0.description.hasPrefix("\($0.file):\($0.line):\($0.column): error: ") })
    }
}
