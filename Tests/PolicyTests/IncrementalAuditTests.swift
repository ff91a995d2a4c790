import Foundation
import Jobs
import Policy
import ProcFS
import Testing

/// `PolicyEvaluator.audit(_:reusing:)`, the daemon's audit: what it takes over from the previous
/// audit must be exactly what a full audit of the same snapshot finds.
struct IncrementalAuditTests {
    static func evaluator(_ procRoot: String, policy: String = "wlcg-mupj.yaml") throws -> PolicyEvaluator {
        PolicyEvaluator(policy: try PolicyLoader.load(path: PolicyFixtures.policy(policy)), inspector: RootedFileInspector(procRoot: procRoot))
    }

    /// The next sample as the daemon takes it: known processes passed in.
    static func next(_ procRoot: String, after snapshot: Snapshot) throws -> Snapshot {
        try ProcSampler(procRoot: procRoot).sample(reusing: Dictionary(uniqueKeysWithValues: snapshot.processes.map { ($0.pid, $0) }))
    }

    /// Changes a fixture file in place (the text must be there).
    static func rewrite(_ path: String, _ text: String, _ replacement: String) throws {
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let after = before.replacingOccurrences(of: text, with: replacement)
        try #require(after != before, "\(text) not in \(path)")
        try Data(after.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func rules(_ result: AuditResult) -> [String: Finding.Status] {
        Dictionary(uniqueKeysWithValues: result.jobs[0].findings.map { ($0.rule, $0.status) })
    }

    @Test func anUnchangedNodeTakesEveryJobOverAndEqualsAFullAudit() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let evaluator = try Self.evaluator(procRoot)
            let first = try ProcSampler(procRoot: procRoot).sample()
            let before = evaluator.audit(first)
            #expect(before.jobsEvaluated == 1 && before.jobsReused == 0)

            let second = try Self.next(procRoot, after: first)
            // The sampler hands back each unchanged process's very sample.
            #expect(second.processes.count == first.processes.count)
            #expect(zip(second.processes, first.processes).allSatisfy { $0.isSameStorage(as: $1) })
            let incremental = evaluator.audit(second, reusing: before)
            #expect(incremental.jobsReused == 1 && incremental.jobsEvaluated == 0)
            let full = evaluator.audit(second)
            #expect(incremental.jobs.map(\.findings) == full.jobs.map(\.findings))
            #expect(incremental.nodeFindings == full.nodeFindings)
            #expect(incremental.graph == full.graph)
            #expect(incremental.jobs.map(\.owner) == full.jobs.map(\.owner))
        }
    }

    /// A process going from sleeping to running changes nothing the checks read: the job is taken
    /// over, and the audit holds the current samples (its graph equals a full audit's).
    @Test func aStateChangeKeepsTheVerdictsAndShowsTheCurrentState() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let evaluator = try Self.evaluator(procRoot)
            let first = try ProcSampler(procRoot: procRoot).sample()
            let before = evaluator.audit(first)
            try Self.rewrite("\(procRoot)/25629/stat", ") S ", ") R ")

            let second = try Self.next(procRoot, after: first)
            let incremental = evaluator.audit(second, reusing: before)
            #expect(incremental.jobsReused == 1 && incremental.jobsEvaluated == 0)
            let full = evaluator.audit(second)
            #expect(incremental.graph == full.graph)
            #expect(incremental.jobs[0].job.processes.first { $0.pid == 25629 }?.stat.state == "R")
            #expect(incremental.jobs.map(\.findings) == full.jobs.map(\.findings))
        }
    }

    @Test func aPayloadThatChangesUIDIsEvaluatedAgain() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let evaluator = try Self.evaluator(procRoot)
            let first = try ProcSampler(procRoot: procRoot).sample()
            let before = evaluator.audit(first)
            #expect(Self.rules(before)["ISO-UID"] == .fail)

            for pid in ["25625", "25628", "25629", "25630"] {
                try Self.rewrite("\(procRoot)/\(pid)/status", "Uid:\t2001\t2001\t2001\t2001", "Uid:\t3001\t3001\t3001\t3001")
            }
            let second = try Self.next(procRoot, after: first)
            let incremental = evaluator.audit(second, reusing: before)
            #expect(incremental.jobsEvaluated == 1 && incremental.jobsReused == 0)
            #expect(Self.rules(incremental)["ISO-UID"] == .pass)
            let full = evaluator.audit(second)
            #expect(incremental.jobs.map(\.findings) == full.jobs.map(\.findings))
            #expect(incremental.graph == full.graph)
        }
    }

    /// A payload child that ends and another that starts (a busy payload, every cycle): the graph
    /// is followed without classifying the node again, the job is evaluated again, and the audit
    /// equals a full one.
    @Test func aPayloadChildComingAndGoingIsFollowedAndEqualsAFullAudit() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let evaluator = try Self.evaluator(procRoot)
            let first = try ProcSampler(procRoot: procRoot).sample()
            let before = evaluator.audit(first)
            try FileManager.default.copyItem(atPath: "\(procRoot)/25630", toPath: "\(procRoot)/25640")
            for file in ["stat", "status"] { try Self.rewrite("\(procRoot)/25640/\(file)", "25630", "25640") }
            try FileManager.default.removeItem(atPath: "\(procRoot)/25630")

            let second = try Self.next(procRoot, after: first)
            #expect(ClassificationInput.updatedGraph(before.graph, from: first.processes, for: second.processes,
                                                     patterns: evaluator.policy.pilots) != nil)
            let incremental = evaluator.audit(second, reusing: before)
            #expect(incremental.jobsReused == 0 && incremental.jobsEvaluated == 1)
            #expect(incremental.jobs[0].job.processes.map(\.pid).contains(25640))
            #expect(!incremental.jobs[0].job.processes.map(\.pid).contains(25630))
            let full = evaluator.audit(second)
            #expect(incremental.graph == full.graph)
            #expect(incremental.jobs.map(\.findings) == full.jobs.map(\.findings))
            #expect(incremental.jobs.map(\.owner) == full.jobs.map(\.owner))
            #expect(incremental.nodeFindings == full.nodeFindings)
        }
    }

    /// A copy of the job's root `from` as the root of another job of the same pilot, `to`, with
    /// PanDA ID `pandaID` (in its cwd and environment): the same uid and PID namespace.
    static func cloneJobRoot(_ procRoot: String, from: String, to: String, pandaID: String) throws {
        try FileManager.default.copyItem(atPath: "\(procRoot)/\(from)", toPath: "\(procRoot)/\(to)")
        for file in ["stat", "status"] { try rewrite("\(procRoot)/\(to)/\(file)", from, to) }
        try rewrite("\(procRoot)/\(to)/environ", "6402753124", pandaID)
        let cwd = "\(procRoot)/\(to)/cwd"
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: cwd)
        try #require(target.hasSuffix("PanDA_Pilot-6402753124"))
        try FileManager.default.removeItem(atPath: cwd)
        try FileManager.default.createSymbolicLink(atPath: cwd, withDestinationPath: target.replacingOccurrences(of: "6402753124", with: pandaID))
    }

    /// A new job beside an unchanged one: only the new one is evaluated; the other keeps its
    /// verdicts but for ISO-XPAYLOAD (it has a peer now), and the audit equals a full one.
    @Test func aNewJobIsEvaluatedAndTheOthersTakenOver() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let evaluator = try Self.evaluator(procRoot)
            let first = try ProcSampler(procRoot: procRoot).sample()
            let before = evaluator.audit(first)
            #expect(before.jobs.count == 1 && Self.rules(before)["ISO-XPAYLOAD"] == .skip)

            try Self.cloneJobRoot(procRoot, from: "25625", to: "26625", pandaID: "6402753125")
            let second = try Self.next(procRoot, after: first)
            let incremental = evaluator.audit(second, reusing: before)
            #expect(incremental.jobs.map(\.job.pandaID).sorted() == ["6402753124", "6402753125"])
            #expect(incremental.jobsReused == 1 && incremental.jobsEvaluated == 1)
            let full = evaluator.audit(second)
            #expect(incremental.jobs.map(\.findings) == full.jobs.map(\.findings))
            #expect(incremental.jobs.map(\.owner) == full.jobs.map(\.owner))
            #expect(incremental.nodeFindings == full.nodeFindings)
            #expect(incremental.graph == full.graph)
            let kept = try #require(incremental.jobs.first { $0.job.pandaID == "6402753124" })
            #expect(kept.findings.first { $0.rule == "ISO-XPAYLOAD" }?.status == .fail, "shares uid and PID namespace with the new job")

            // The new job gone again: the first one's ISO-XPAYLOAD is back to "no other job".
            try FileManager.default.removeItem(atPath: "\(procRoot)/26625")
            let third = try Self.next(procRoot, after: second)
            let alone = evaluator.audit(third, reusing: incremental)
            #expect(alone.jobsReused == 1 && alone.jobsEvaluated == 0)
            #expect(alone.jobs.map(\.findings) == evaluator.audit(third).jobs.map(\.findings))
            #expect(Self.rules(alone)["ISO-XPAYLOAD"] == .skip)
        }
    }

    /// ptrace_scope changes under an unchanged job: its ISO-PTRACE is evaluated again.
    @Test func aNodeChangeIsSeenByAnUnchangedJob() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let scope = "\(procRoot)/sys/kernel/yama/ptrace_scope"
            try FileManager.default.createDirectory(atPath: "\(procRoot)/sys/kernel/yama", withIntermediateDirectories: true)
            try Data("3\n".utf8).write(to: URL(fileURLWithPath: scope))
            let evaluator = try Self.evaluator(procRoot)
            let first = try ProcSampler(procRoot: procRoot).sample()
            let before = evaluator.audit(first)
            try Data("0\n".utf8).write(to: URL(fileURLWithPath: scope))
            let second = try Self.next(procRoot, after: first)
            #expect(second.node.ptraceScope == 0)
            let incremental = evaluator.audit(second, reusing: before)
            #expect(incremental.jobsReused == 1 && incremental.jobsEvaluated == 0)
            let full = evaluator.audit(second)
            #expect(incremental.jobs.map(\.findings) == full.jobs.map(\.findings))
            #expect(incremental.nodeFindings == full.nodeFindings)
            #expect(Self.rules(before)["ISO-PTRACE"] != Self.rules(incremental)["ISO-PTRACE"], "the verdict follows the node")
        }
    }

    @Test func anotherPolicyMeansAFullAudit() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let first = try ProcSampler(procRoot: procRoot).sample()
            let before = try Self.evaluator(procRoot).audit(first)
            let site = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
            try #require(site.rules[0].enabled && !site.rules[0].check.isNodeCheck)
            var changed = site
            changed.rules[0].enabled = false
            let evaluator = PolicyEvaluator(policy: changed, inspector: RootedFileInspector(procRoot: procRoot))
            let incremental = evaluator.audit(try Self.next(procRoot, after: first), reusing: before)
            #expect(incremental.jobsReused == 0 && incremental.jobsEvaluated == 1)
            #expect(before.jobs[0].findings[0].status != .skip)
            #expect(incremental.jobs[0].findings[0].status == .skip)
        }
    }

    /// Credential files change without any process changing: ISO-CRED is looked at every time.
    @Test(.enabled(if: getuid() == 0, "needs root: chown of the proxy file to the pilot's uid"))
    func credentialFilesAreLookedAtAgainForAnUnchangedJob() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let proxy = try EvaluatorFixtureTests.plantProxy(in: procRoot, owner: 3001)
            let evaluator = try Self.evaluator(procRoot)
            let first = try ProcSampler(procRoot: procRoot).sample()
            let before = evaluator.audit(first)
            #expect(Self.rules(before)["ISO-CRED"] == .pass)

            chmod(proxy, 0o644)
            let incremental = evaluator.audit(try Self.next(procRoot, after: first), reusing: before)
            #expect(incremental.jobsReused == 1)
            #expect(Self.rules(incremental)["ISO-CRED"] == .fail)
        }
    }
}
