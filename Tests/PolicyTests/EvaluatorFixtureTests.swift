import Foundation
import Jobs
import Policy
import ProcFS
import TestSupport
import Testing

/// The whole audit on the pilot3 fixture tree (../shared/reference/pilot3-observed.md): a
/// pilot and its payload with the same uid, namespaces and /tmp, i.e. not isolated at all.
struct EvaluatorFixtureTests {
    static let pilot3 = Repository.rootURL.appendingPathComponent("Tests/ProcFSTests/Fixtures/pilot3-generic/proc").path

    static func audit(procRoot: String) throws -> AuditResult {
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        let snapshot = try ProcSampler(procRoot: procRoot).sample()
        return PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: procRoot)).audit(snapshot)
    }

    static func status(_ result: AuditResult, _ rule: String) -> Finding.Status? {
        result.jobs.first?.findings.first { $0.rule == rule }?.status
    }

    @Test func observedPilot3JobIsNotIsolated() throws {
        let result = try Self.audit(procRoot: Self.pilot3)
        let job = try #require(result.jobs.first)
        #expect(result.jobs.count == 1)
        #expect(job.job.pandaID == "6402753124")
        #expect(!job.isolated)
        for rule in ["ISO-UID", "ISO-PIDNS", "ISO-MNTNS", "ISO-IPCNS", "ISO-PROC", "ISO-SIGNAL", "ISO-PTRACE", "ISO-TMP", "PRIV-NNP"] {
            #expect(Self.status(result, rule) == .fail, "\(rule)")
        }
        for rule in ["PRIV-CAPS", "TRACE-ATTR", "TRACE-CGROUP"] {
            #expect(Self.status(result, rule) == .pass, "\(rule)")
        }
        // Fixture trees carry no /proc/<pid>/root: the credential check says so instead of guessing.
        #expect(Self.status(result, "ISO-CRED") == .skip)
        #expect(Self.status(result, "ISO-XPAYLOAD") == .skip)
        let uid = try #require(job.findings.first { $0.rule == "ISO-UID" })
        #expect(uid.evidence["pilot_uid"] == .integer(2001))
        #expect(uid.evidence["payload_uid"] == .integer(2001))
        #expect(result.fails(atOrAbove: .critical))
    }

    @Test func everyRuleOfThePolicyGivesOneVerdictPerJob() throws {
        let result = try Self.audit(procRoot: Self.pilot3)
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        let jobRules = policy.rules.filter { !$0.check.isNodeCheck }.map(\.id)
        #expect(result.jobs[0].findings.map(\.rule) == jobRules)
        #expect(result.nodeFindings.map(\.rule) == policy.rules.filter { $0.check.isNodeCheck }.map(\.id))
        #expect(result.allFindings.filter { $0.status == .skip }.allSatisfy { !$0.message.isEmpty })
    }

    /// ISO-CRED on real files: a copy of the tree whose payload root holds the pilot's proxy.
    @Test(.enabled(if: getuid() == 0, "needs root: chown of the proxy file to the pilot's uid"))
    func credentialReadableThroughThePayloadRootFails() throws {
        try Self.withCopy { procRoot in
            let proxy = try Self.plantProxy(in: procRoot, owner: 2001)
            let result = try Self.audit(procRoot: procRoot)
            let finding = try #require(result.jobs.first?.findings.first { $0.rule == "ISO-CRED" })
            #expect(finding.status == .fail)
            #expect(finding.evidence["path"] == .string("/tmp/x509up_u2001"))
            #expect(finding.evidence["owner"] == .string("2001:2001"))

            // Owned by another uid with mode 0600: the payload (uid 2001, no capabilities) cannot read it.
            chown(proxy, 3001, 3001)
            #expect(Self.status(try Self.audit(procRoot: procRoot), "ISO-CRED") == .pass)
            // World-readable: it can.
            chmod(proxy, 0o644)
            #expect(Self.status(try Self.audit(procRoot: procRoot), "ISO-CRED") == .fail)
        }
    }

    /// A symlink planted in the payload's root cannot make the check read a file outside it.
    @Test func symlinkOutOfThePayloadRootIsResolvedInsideIt() throws {
        try Self.withCopy { procRoot in
            let root = "\(procRoot)/25625/root"
            try FileManager.default.createDirectory(atPath: "\(root)/tmp", withIntermediateDirectories: true)
            let outside = "\(procRoot)/outside-secret"
            try Data("host file".utf8).write(to: URL(fileURLWithPath: outside))
            try FileManager.default.createSymbolicLink(atPath: "\(root)/tmp/x509up_u2001", withDestinationPath: "../../../outside-secret")
            let facts = RootedFileInspector(procRoot: procRoot).inspect(path: "/tmp/x509up_u2001", throughPID: 25625)
            #expect(facts.error == nil)
            #expect(!facts.exists)
        }
    }

    /// The owner's DN from the pilot's log, marked payload-writable when the payload could forge it.
    @Test(.enabled(if: getuid() == 0, "needs root: chown of the pilot log"))
    func ownerDNComesFromThePilotLog() throws {
        try Self.withCopy { procRoot in
            let home = "/home/isopilot/work/PanDA_Pilot3_25588_1795671853"
            let root = "\(procRoot)/25588/root"
            try FileManager.default.createDirectory(atPath: root + home, withIntermediateDirectories: true)
            let log = root + home + "/pilotlog.txt"
            let dn = "/DC=ch/DC=cern/OU=Users/CN=jdoe/CN=Jane Doe"
            try Data("start\njob definition = {'PandaID': 6402753124, 'prodUserID': '\(dn)', 'taskID': 42}\n".utf8)
                .write(to: URL(fileURLWithPath: log))
            chmod(log, 0o644)
            chown(log, 2001, 2001)
            let owner = try #require(try Self.audit(procRoot: procRoot).jobs.first?.owner)
            #expect(owner.dn == dn)
            #expect(owner.source == home + "/pilotlog.txt")
            // The payload runs as the log's owner: it could have written the DN itself.
            #expect(owner.payloadWritable)
            chown(log, 0, 0)
            #expect(try Self.audit(procRoot: procRoot).jobs.first?.owner?.payloadWritable == false)
        }
    }

    /// The pilot's proxy /tmp/x509up_u2001 (mode 0600, owned by `owner`) in the payload root's
    /// view, which every payload process shares (their `root` links point at the root's).
    static func plantProxy(in procRoot: String, owner: uid_t) throws -> String {
        let root = "\(procRoot)/25625/root"
        try FileManager.default.createDirectory(atPath: "\(root)/tmp", withIntermediateDirectories: true)
        let proxy = "\(root)/tmp/x509up_u2001"
        try Data("proxy".utf8).write(to: URL(fileURLWithPath: proxy))
        chmod(proxy, 0o600)
        chown(proxy, owner, owner)
        for pid in ["25628", "25629", "25630"] { try FileManager.default.createSymbolicLink(atPath: "\(procRoot)/\(pid)/root", withDestinationPath: "../25625/root") }
        return proxy
    }

    /// Copies the fixture tree (symlinks kept) into a temporary directory.
    static func withCopy(_ body: (String) throws -> Void) throws {
        let directory = try TestDirectory("isotrace-eval").url
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = URL(fileURLWithPath: Self.pilot3).deletingLastPathComponent()
        for item in ["proc", "etc"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(item), to: directory.appendingPathComponent(item))
        }
        try body(directory.appendingPathComponent("proc").path)
    }
}
