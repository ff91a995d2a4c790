import Foundation
import Jobs
import Policy
import Testing

/// A file with `extends` overrides its base: given keys replace, omitted keys are inherited,
/// rules are overridden by id or added, and the hash covers the whole chain.
@Suite struct SiteOverrideTests {
    let base: Policy
    let site: Policy

    init() throws {
        base = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        site = try PolicyLoader.load(path: PolicyFixtures.policy("site-example.yaml"))
    }

    @Test func identityIsTheSiteFilesOwn() {
        #expect(site.id == "site-example")
        #expect(site.version != base.version)
        #expect(site.title.contains("HTCondor"))
    }

    @Test func rulesKeepBaseOrderAndAppendNewOnes() throws {
        #expect(site.rules.map(\.id) == base.rules.map(\.id) + ["SITE-NETNS"])
        let added = try #require(site.rule("SITE-NETNS"))
        #expect(added.check == .differentNamespace)
        #expect(added.parameters == ["namespace": .string("net")])
        #expect(added.severity == .info && added.enabled)
    }

    @Test func overriddenKeysReplaceAndTheRestIsInherited() throws {
        let pidns = try #require(site.rule("ISO-PIDNS"))
        let basePIDNS = try #require(base.rule("ISO-PIDNS"))
        #expect(pidns.severity == .high && basePIDNS.severity == .medium)
        var unchanged = pidns
        unchanged.severity = basePIDNS.severity
        #expect(unchanged == basePIDNS)

        let ptrace = try #require(site.rule("NODE-PTRACE"))
        #expect(ptrace.parameters == ["minimum": .integer(2)])
        #expect(ptrace.severity == .medium)
        #expect(ptrace.remediation == base.rule("NODE-PTRACE")?.remediation)

        let userns = try #require(site.rule("NODE-USERNS"))
        #expect(!userns.enabled)
        #expect(userns.severity == base.rule("NODE-USERNS")?.severity)

        let untouched = ["ISO-UID", "ISO-CRED", "PRIV-NNP", "TRACE-ATTR", "NODE-SETUID"]
        for id in untouched { #expect(site.rule(id) == base.rule(id), "\(id)") }
    }

    @Test func eventServiceExemptionOnIPCNamespace() throws {
        let ipc = try #require(site.rule("ISO-IPCNS"))
        #expect(ipc.severity == .medium)
        #expect(ipc.exemptions.count == 1)
        let exemption = try #require(ipc.exemptions.first)
        #expect(exemption.transformations == ["*--eventService=True*"])
        #expect(exemption.queues.isEmpty && exemption.containerOptions.isEmpty)
        #expect(exemption.reason.contains("Event-service"))
        #expect(base.rule("ISO-IPCNS")?.exemptions == [])
    }

    /// HTCondor renames the transferred wrapper to condor_exec.exe in the job's execute directory.
    @Test func condorStarterJobRootIsAWrapper() {
        let argv = ["/bin/bash", "/var/lib/condor/execute/dir_4242/condor_exec.exe", "-s", "SITE", "-r", "QUEUE"]
        #expect(site.pilots.isWrapper(argv))
        #expect(!base.pilots.isWrapper(argv))
        #expect(site.pilots.isWrapper(["/bin/bash", "runpilot3-wrapper.sh"]))
        #expect(site.pilots.interpreters == base.pilots.interpreters)
        #expect(site.pilots.scripts == base.pilots.scripts)
        #expect(site.pilots.jobDirectoryPrefix == base.pilots.jobDirectoryPrefix)
        #expect(site.credentials == base.credentials)
        #expect(site.extraEnvironment == base.extraEnvironment)
    }

    @Test func sha256CoversBaseThenSite() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: PolicyFixtures.policy("wlcg-mupj.yaml")))
            + Data(contentsOf: URL(fileURLWithPath: PolicyFixtures.policy("site-example.yaml")))
        #expect(site.sha256 == (try SHA256Sum.hex(of: bytes)))
        #expect(site.sha256 != base.sha256)
    }

    static let smallBase = """
        id: base
        version: "1"
        title: Base
        pilots:
          wrappers: ["runpilot*-wrapper*"]
        rules:
          - id: ISO-UID
            check: different_uid
            severity: high
            remediation: r
          - id: ISO-PIDNS
            check: different_namespace
            severity: medium
            parameters: {namespace: pid}
            remediation: r
        """

    @Test func listsAreReplacedNotAppended() throws {
        let policy = try PolicyFixtures.withFiles([
            "base.yaml": Self.smallBase,
            "site.yaml": "extends: base.yaml\nid: s\nversion: \"2\"\npilots:\n  wrappers: [\"condor_exec*\"]\n",
        ]) { try PolicyLoader.load(path: $0 + "/site.yaml") }
        #expect(policy.pilots.wrappers == ["condor_exec*"])
        #expect(policy.title == "Base")
        #expect(policy.rules.map(\.id) == ["ISO-UID", "ISO-PIDNS"])
    }

    @Test func overrideMistakesAreReported() throws {
        let site = """
            extends: base.yaml
            id: s
            version: "2"
            rules:
              - id: ISO-UID
                check: different_namespace
              - id: ISO-PIDNS
                parameters: {namespace: pdi}
              - id: ISO-PIDNX
                severity: low
              - id: ISO-UID
                enabled: false
            """
        let issues = try PolicyFixtures.withFiles(["base.yaml": Self.smallBase, "site.yaml": site]) {
            PolicyLoader.lint(path: $0 + "/site.yaml")
        }
        expectIssue(issues, line: 6, column: 12, containing: "rule 'ISO-UID' overrides a rule of base.yaml whose check is 'different_uid'")
        expectIssue(issues, line: 8, column: 29, containing: "namespace 'pdi' is not one of")
        expectIssue(issues, line: 9, column: 5, containing: "rule 'ISO-PIDNX' is missing required key 'check' (it is not a rule of base.yaml, so it defines a new rule)")
        expectIssue(issues, line: 9, column: 5, containing: "rule 'ISO-PIDNX' is missing required key 'remediation'")
        expectIssue(issues, line: 11, column: 9, containing: "duplicate rule id 'ISO-UID' (first defined at line 5)")
        #expect(issues.count == 5)
        #expect(issues.allSatisfy { $0.file.hasSuffix("/site.yaml") })
    }

    @Test func baseProblemsAreReportedInTheBaseFile() throws {
        let issues = try PolicyFixtures.withFiles([
            "base.yaml": Self.smallBase.replacingOccurrences(of: "severity: medium", with: "severity: moderate"),
            "site.yaml": "extends: base.yaml\nid: s\nversion: \"2\"\nrules:\n  - id: ISO-PIDNS\n    severity: low\n",
        ]) { PolicyLoader.lint(path: $0 + "/site.yaml") }
        #expect(issues.count == 1)
        #expect(issues.first?.file.hasSuffix("/base.yaml") == true)
        expectIssue(issues, line: 13, column: 15, containing: "severity 'moderate' of rule 'ISO-PIDNS'")
    }

    @Test func missingBaseAndCyclesAreReportedAtExtends() throws {
        let missing = try PolicyFixtures.withFiles([
            "site.yaml": "extends: nowhere.yaml\nid: s\nversion: \"2\"\nrules:\n  - id: ISO-UID\n    severity: low\n",
        ]) { PolicyLoader.lint(path: $0 + "/site.yaml") }
        #expect(missing.count == 1)
        expectIssue(missing, line: 1, column: 10, containing: "cannot read the base policy 'nowhere.yaml'")

        let badValue = try PolicyFixtures.withFiles([
            "site.yaml": "extends: [base.yaml]\nid: s\nversion: \"2\"\nrules:\n  - id: ISO-UID\n    severity: low\n",
        ]) { PolicyLoader.lint(path: $0 + "/site.yaml") }
        #expect(badValue.count == 1)
        expectIssue(badValue, line: 1, column: 10, containing: "'extends' must be a string, found a list")

        let cycle = try PolicyFixtures.withFiles([
            "a.yaml": "extends: b.yaml\nid: a\nversion: \"1\"\n",
            "b.yaml": "extends: a.yaml\nid: b\nversion: \"1\"\n",
        ]) { PolicyLoader.lint(path: $0 + "/a.yaml") }
        #expect(cycle.count == 1)
        #expect(cycle.first?.file.hasSuffix("/b.yaml") == true)
        expectIssue(cycle, line: 1, column: 10, containing: "'extends: a.yaml' makes a cycle")

        let itself = try PolicyFixtures.withFiles(["a.yaml": "extends: a.yaml\nid: a\nversion: \"1\"\n"]) {
            PolicyLoader.lint(path: $0 + "/a.yaml")
        }
        expectIssue(itself, line: 1, column: 10, containing: "makes a cycle")
    }
}
