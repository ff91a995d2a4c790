import Base
import Foundation
import ProcFS
import Records
import TestSupport
import Testing

/// Retention: `prune` removes whole old segments after a signed checkpoint, and `verify` (Swift
/// and the Python recipe) accepts the shortened chain only where a checkpoint names its start.
@Suite struct PruneTests {
    static let day: Int64 = 86_400_000
    static let today = TestClock.parse("2026-11-26T07:05:53.063Z")

    /// Four segments: 300, 200 and 100 days old, and today; three records each.
    static func agedChain(today: Int64 = today) throws -> TestChain {
        let chain = try TestChain(records: 0)
        var number = 0
        for age: Int64 in [300, 200, 100, 0] {
            chain.clock.milliseconds = today - age * day
            _ = try chain.append((1...3).map { _ in number += 1; return TestChain.body(number) })
        }
        chain.clock.milliseconds = today
        return chain
    }

    static func segments(_ chain: TestChain) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: chain.directory.path + "/records").filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    static func pruner(_ chain: TestChain) -> ChainPruner {
        ChainPruner(outputDirectory: chain.directory.path, key: chain.key, node: chain.node, clock: chain.clock.now)
    }

    static func sha256(ofFile path: String) throws -> String {
        let result = try Command.run(["/usr/bin/sha256sum", path])
        return String(result.stdout.prefix(64))
    }

    @Test("segments older than the period go after a checkpoint; the rest still verifies")
    func prunesOldSegments() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        let before = try Self.segments(chain)
        #expect(before.count == 4)
        let oldest = try before.prefix(2).map { try Self.sha256(ofFile: chain.directory.path + "/records/" + $0) }
        let lastRemoved = try chain.lines()[5]

        let report = try Self.pruner(chain).prune(olderThanMilliseconds: 180 * Self.day, label: "180d")
        let plan = try #require(report.plan)
        #expect(report.keptFromDate == "2026-05-30")
        #expect(plan.removed.map(\.name) == Array(before.prefix(2)))
        #expect(plan.removed.map(\.sha256) == oldest)
        #expect(plan.removed.map(\.records) == [3, 3] && plan.removed.map(\.firstSeq) == [1, 4] && plan.removed.map(\.lastSeq) == [3, 6])
        #expect(plan.firstKeptSeq == 7 && plan.firstKeptPrev == Record.hash(ofLine: Array(lastRemoved.utf8)))
        #expect(plan.headSeq == 12)
        #expect(report.checkpoint?.seq == 13)
        #expect(try Self.segments(chain) == Array(before.suffix(2)))

        let verified = try chain.verify()
        #expect(verified.isIntact, "\(verified.problems)")
        #expect(verified.prunedThrough == 6 && verified.checkpointSeq == 13 && verified.firstSeq == 7 && verified.lastSeq == 13)
        let checkpoint = try JSONParser().parse(try #require(try chain.lines().last))
        #expect(checkpoint["type"]?.stringValue == "checkpoint")
        #expect(checkpoint["checkpoint"]?["head_seq"]?.integerValue == 12)
        #expect(checkpoint["checkpoint"]?["first_kept_seq"]?.integerValue == 7)

        // The chain goes on after a prune, and a second prune accounts for its own start.
        _ = try chain.append([TestChain.body(99)])
        chain.clock.milliseconds = Self.today + 90 * Self.day
        let second = try Self.pruner(chain).prune(olderThanMilliseconds: 180 * Self.day, label: "180d")
        #expect(second.plan?.removed.map(\.firstSeq) == [7] && second.plan?.firstKeptSeq == 10)
        let again = try chain.verify()
        #expect(again.isIntact && again.prunedThrough == 9, "\(again.problems)")
    }

    @Test("nothing old enough: no checkpoint, nothing removed")
    func nothingToPrune() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        let report = try Self.pruner(chain).prune(olderThanMilliseconds: 400 * Self.day, label: "400d")
        #expect(report.plan == nil && report.checkpoint == nil && report.removedFiles.isEmpty)
        #expect(try chain.lines().count == 12)
    }

    @Test("a dry run writes and removes nothing")
    func dryRun() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        let lines = try chain.lines()
        let report = try Self.pruner(chain).prune(olderThanMilliseconds: 180 * Self.day, label: "180d", dryRun: true)
        #expect(report.plan?.removed.count == 2 && report.checkpoint == nil && report.removedFiles.count == 2)
        #expect(try chain.lines() == lines && Self.segments(chain).count == 4)
    }

    @Test("when every segment is old, the checkpoint itself starts the chain")
    func everythingOld() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        chain.clock.milliseconds = Self.today + 400 * Self.day
        let report = try Self.pruner(chain).prune(olderThanMilliseconds: 180 * Self.day, label: "180d")
        #expect(report.plan?.removed.count == 4 && report.plan?.firstKeptSeq == 13)
        #expect(try chain.lines().count == 1)
        let verified = try chain.verify()
        #expect(verified.isIntact && verified.prunedThrough == 12 && verified.checkpointSeq == 13, "\(verified.problems)")
    }

    @Test("a segment removed by hand, without a checkpoint, is reported")
    func removedWithoutCheckpoint() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        let first = try #require(try Self.segments(chain).first)
        try FileManager.default.removeItem(atPath: chain.directory.path + "/records/" + first)
        let report = try chain.verify()
        #expect(!report.isIntact)
        #expect(report.problems.first?.reason.contains("the chain starts at seq 4 but no checkpoint record names this start") == true, "\(report.problems)")
    }

    @Test("removing more than the checkpoint accounts for is reported")
    func removedBeyondCheckpoint() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        _ = try Self.pruner(chain).prune(olderThanMilliseconds: 180 * Self.day, label: "180d")
        let first = try #require(try Self.segments(chain).first)
        try FileManager.default.removeItem(atPath: chain.directory.path + "/records/" + first)
        let report = try chain.verify()
        #expect(report.problems.first?.reason.contains("starts at seq 10 but no checkpoint") == true, "\(report.problems)")
    }

    @Test("a checkpoint edited to cover a bigger gap fails its signature and covers nothing")
    func forgedCheckpoint() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        _ = try Self.pruner(chain).prune(olderThanMilliseconds: 180 * Self.day, label: "180d")
        let segments = try Self.segments(chain)
        var lines = try chain.lines()
        let firstOfToday = try JSONParser().parse(lines[3])
        let prev = try #require(firstOfToday["prev"]?.stringValue)
        lines[lines.count - 1] = lines[lines.count - 1]
            .replacingOccurrences(of: "\"first_kept_seq\":7", with: "\"first_kept_seq\":10")
            .replacingOccurrences(of: try #require(JSONParser().parse(lines.last!)["checkpoint"]?["first_kept_prev"]?.stringValue), with: prev)
        try FileManager.default.removeItem(atPath: chain.directory.path + "/records/" + segments[0])
        try (lines.suffix(4).joined(separator: "\n") + "\n").write(toFile: chain.directory.path + "/records/" + segments[1], atomically: false, encoding: .utf8)
        let report = try chain.verify()
        #expect(report.problems.contains { $0.reason == "bad signature" && $0.seq == 13 }, "\(report.problems)")
        #expect(report.problems.contains { $0.reason.contains("starts at seq 10 but no checkpoint") }, "\(report.problems)")
    }

    @Test("a chain that does not verify is never pruned")
    func refusesTamperedChain() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        let last = try #require(try Self.segments(chain).last)
        let path = chain.directory.path + "/records/" + last
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"n\":11", with: "\"n\":111").write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: ChainError.self) { try Self.pruner(chain).prune(olderThanMilliseconds: 180 * Self.day, label: "180d") }
        #expect(try Self.segments(chain).count == 4)
    }

    @Test("isotrace prune as a user runs it: output, verify, index, bad periods exit 2")
    func command() throws {
        // The command prunes by the real clock, so this chain is aged from the real today.
        let chain = try Self.agedChain(today: UTCTime.now().millisecondsSinceEpoch)
        defer { chain.directory.remove() }
        let out = chain.directory.path
        #expect(try IsotraceBinary.run("index", "--out", out).status == 0)
        let dry = try IsotraceBinary.run("prune", "--out", out, "--older-than", "180d", "--dry-run")
        #expect(dry.status == 0 && dry.stdout.contains("would remove") && dry.stdout.contains("dry run: 6 record(s) in 2 segment(s) dated before"), "\(dry)")
        #expect(try Self.segments(chain).count == 4)
        let pruned = try IsotraceBinary.run("prune", "--out", out, "--older-than", "180d")
        #expect(pruned.status == 0 && pruned.stdout.contains("pruned: 6 record(s), seq 1-6, in 2 segment(s) dated before ") && pruned.stdout.contains("the chain now starts at seq 7"), "\(pruned)")
        let verify = try IsotraceBinary.run("verify", "--out", out)
        #expect(verify.status == 0 && verify.stdout.contains("seq 7-13") && verify.stdout.contains("seq 1-6 pruned (checkpoint seq 13)"), "\(verify)")
        let index = try IsotraceBinary.run("index", "--out", out)
        #expect(index.status == 0, "\(index)")
        let nothing = try IsotraceBinary.run("prune", "--out", out, "--older-than", "180d")
        #expect(nothing.status == 0 && nothing.stdout.contains("nothing to prune"), "\(nothing)")
        let short = try IsotraceBinary.run("prune", "--out", out, "--older-than", "12h")
        #expect(short.status == 2 && short.stderr.contains("at least one day"), "\(short)")
        let noKey = try IsotraceBinary.run("prune", "--out", out + "/nowhere")
        #expect(noKey.status == 2 && noKey.stderr.contains("nowhere"), "\(noKey)")
    }

    @Test("the Python recipe accepts a pruned chain and rejects a hand-removed segment",
          .enabled(if: Requirements.python.path != nil, Comment(rawValue: Requirements.python.reason)))
    func pythonRecipe() throws {
        let python = try #require(Requirements.python.path)
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        let records = chain.directory.path + "/records"
        let publicKey = KeyPairFiles(outputDirectory: chain.directory.path).publicKeyPath
        _ = try Self.pruner(chain).prune(olderThanMilliseconds: 180 * Self.day, label: "180d")
        let intact = try Command.run([python, Repository.verifyScript, records, publicKey])
        #expect(intact.status == 0 && intact.stdout.contains("intact: 7 records, last seq 13") && intact.stdout.contains("seq 1-6 pruned"), "\(intact)")
        let first = try #require(try Self.segments(chain).first)
        try FileManager.default.removeItem(atPath: records + "/" + first)
        let cut = try Command.run([python, Repository.verifyScript, records, publicKey])
        #expect(cut.status == 1 && cut.stdout.contains("starts at seq 10 but no checkpoint"), "\(cut)")
    }
}
