import Base
import Foundation
import Jobs
import Policy
import ProcFS
import TestSupport
import Testing

/// The streamed audit writer must give the document JSONEncoder gives from the Encodable
/// conformances (the `audit --format json` contract): byte for byte, and so also as parsed objects.
@Suite struct AuditJSONWriterTests {
    static func encoderBytes(_ result: AuditResult) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(result))
    }

    static func expectSame(_ result: AuditResult, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try encoderBytes(result)
        let written = AuditJSONWriter.encode(result)
        var pieces = 0
        var streamed: [UInt8] = []
        AuditJSONWriter.write(result) { pieces += 1; streamed += $0 }
        #expect(streamed == written, "\(label): streamed in \(pieces) piece(s), not the same bytes", sourceLocation: sourceLocation)
        let parsedExpected = try JSONSerialization.jsonObject(with: Data(expected)) as? NSDictionary
        let parsedWritten = try JSONSerialization.jsonObject(with: Data(written)) as? NSDictionary
        #expect(parsedWritten != nil, "\(label): the writer's output does not parse as an object", sourceLocation: sourceLocation)
        #expect(parsedWritten == parsedExpected, "\(label): parsed documents differ", sourceLocation: sourceLocation)
        if written != expected {
            let at = (0..<min(written.count, expected.count)).first { written[$0] != expected[$0] } ?? min(written.count, expected.count)
            let context = { (bytes: [UInt8]) in String(decoding: bytes[max(0, at - 120)..<min(bytes.count, at + 80)], as: UTF8.self) }
            Issue.record("\(label): bytes differ at \(at)\nwriter:  \(context(written))\nencoder: \(context(expected))",
                         sourceLocation: sourceLocation)
        }
    }

    static func audit(procRoot: String, policy: String = "wlcg-mupj.yaml") throws -> AuditResult {
        let policy = try PolicyLoader.load(path: PolicyFixtures.policy(policy))
        let snapshot = try ProcSampler(procRoot: procRoot, extraEnvironment: policy.extraEnvironment).sample()
        return PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: procRoot)).audit(snapshot)
    }

    @Test(arguments: ["pilot3-generic", "node-quirks", "malformed", "bad-mountinfo"])
    func fixtureTrees(tree: String) throws {
        try Self.expectSame(try Self.audit(procRoot: Repository.procFixture(tree)), tree)
    }

    /// A batch job named from its cgroup: batch_job_id from the cgroup, batch_system, batch_cgroup, batch_pattern.
    @Test(arguments: ["slurm-v2", "htcondor-v1", "no-batch"])
    func batchLayouts(layout: String) throws {
        try BatchCgroupFixtureTests.withLayout(layout) { procRoot in
            try Self.expectSame(try Self.audit(procRoot: procRoot), layout)
        }
    }

    @Test func liveAudit() throws {
        try Self.expectSame(try Self.audit(procRoot: "/proc"), "/proc")
    }

    /// Everything the fixtures may not show: values a payload controls in every string of a job
    /// (quotes, backslashes, control characters, non-ASCII), an owner with and without a claim
    /// reason, containers with and without an image, spoofs, conflicting evidence, evidence of every
    /// kind, a job without a pilot, a pilot without a wrapper, and unattributed processes.
    @Test func hostileValues() throws {
        var base = try Self.audit(procRoot: Repository.procFixture("pilot3-generic"))
        var control = ""
        for byte in 0..<0x20 { control.unicodeScalars.append(Unicode.Scalar(UInt8(byte))) }
        let nasty = "a\"b\\c/d\u{7f}é\u{2028}😀" + control
        var first = try #require(base.jobs.first)
        first.job.taskID = nasty
        first.job.attemptNumber = nil
        first.job.jobDirectory = nasty
        first.job.evidence.append(AttributionEvidence(source: .commandLine, pandaID: nasty, detail: nasty))
        first.job.conflicts = [AttributionEvidence(source: .rootEnvironment, pandaID: "1", detail: "PANDAID"), first.job.evidence[0]]
        first.job.spoofs = [SpoofedClaim(pid: 7, claimedPandaID: nasty, variable: "PandaID"), SpoofedClaim(pid: 8, claimedPandaID: "2", variable: "PANDAID")]
        let pids = first.job.processes.map(\.pid)
        first.job.containers = [pids[0]: ContainerInfo(runtime: "apptainer", process: nasty, image: nil)]
        if pids.count > 1 { first.job.containers[pids[1]] = ContainerInfo(runtime: "singularity", process: "starter", image: nasty) }
        first.owner = JobOwner(dn: nasty, source: "/x", payloadWritable: true, claimReason: nasty)
        first.batch = BatchCgroupMatch(patternID: nasty, system: "slurm", hierarchy: "0:", cgroup: nasty, jobID: "42", slot: nil,
                                       jobIDVariable: nil, pid: first.job.pilotPID)
        first.findings.append(Finding(rule: nasty, status: .warn, severity: .critical, pid: nil, message: nasty, evidence: [
            "Z": .list([.integer(-1), .null, .boolean(false), .string(nasty), .list([])]), "a": .integer(Int64.max),
            "_": .integer(Int64.min), nasty: .text(nil), "b": true,
        ]))
        var second = first
        second.job.pandaID = nasty
        second.pilot = nil
        second.owner = JobOwner(dn: "/DC=ch/CN=x", source: nasty, payloadWritable: false)
        second.batch = nil
        second.job.containers = [:]
        var third = first
        third.pilot?.wrapper = nil
        third.job.batchJobID = BatchJobID(variable: nasty, value: nasty)
        third.batch = nil
        base.jobs = [first, second, third]
        base.nodeFindings.append(Finding(rule: "NODE-X", status: .fail, severity: .info, pid: 1, message: "", evidence: [:]))
        base.graph.unattributed = first.job.processes.prefix(2).map {
            UnattributedProcess(process: $0, claimedPandaID: nasty, claimSource: "PANDAID")
        }
        try Self.expectSame(base, "hostile values")
    }
}
