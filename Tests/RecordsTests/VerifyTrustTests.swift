import Base
import Foundation
import Records
import TestSupport
import Testing

/// Issue 21 findings 7 and 13: verification says what it trusted, an empty or missing chain is
/// an error, and segments renamed to older dates (so that `prune` deletes them early) fail.
@Suite struct VerifyTrustTests {
    /// The chain of `TestChain` (2026-11-26) with its segment renamed to an older day.
    func renamedChain() throws -> TestChain {
        let chain = try TestChain(records: 3)
        try FileManager.default.moveItem(atPath: chain.segmentPath, toPath: chain.directory.path + "/records/2026-01-01.jsonl")
        return chain
    }

    @Test func segmentRenamedToAnOlderDayFails() throws {
        let chain = try renamedChain()
        defer { chain.directory.remove() }
        let report = try chain.verify()
        #expect(!report.isIntact)
        let first = try #require(report.problems.first)
        #expect(first.file.hasSuffix("records/2026-01-01.jsonl") && first.line == 1, "\(report.problems)")
        #expect("\(first)".contains("after its segment's day 2026-01-01"), "\(first)")
        #expect(report.problems.count == 3, "every record is out of its day: \(report.problems)")
    }

    /// The point of the renaming: `prune` deleted such segments under a valid checkpoint.
    @Test func pruneRefusesARenamedSegment() throws {
        let chain = try renamedChain()
        defer { chain.directory.remove() }
        _ = try chain.append([TestChain.body(4)])  // today's segment, so the old one is not the head
        let pruner = ChainPruner(outputDirectory: chain.directory.path, key: chain.key, node: chain.node, clock: chain.clock.now)
        #expect(throws: (any Error).self) { try pruner.prune(olderThanMilliseconds: 180 * 86_400_000, label: "180d") }
        #expect(FileManager.default.fileExists(atPath: chain.directory.path + "/records/2026-01-01.jsonl"))
    }

    @Test func segmentRenamedToALaterDayFails() throws {
        let chain = try TestChain(records: 2)
        defer { chain.directory.remove() }
        try FileManager.default.moveItem(atPath: chain.segmentPath, toPath: chain.directory.path + "/records/2026-12-24.jsonl")
        let report = try chain.verify()
        #expect(report.problems.map(\.line) == [1], "\(report.problems)")
        #expect(report.problems.first.map { "\($0)".contains("begins the segment of 2026-12-24") } == true, "\(report.problems)")
    }

    /// The writer keeps appending to the newest segment when the clock goes back: still intact.
    @Test func clockGoingBackOverMidnightStillVerifies() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        chain.clock.milliseconds = TestClock.parse("2026-11-27T00:00:05.000Z")
        _ = try chain.append([TestChain.body(1)])
        chain.clock.milliseconds = TestClock.parse("2026-11-26T23:59:00.000Z")
        _ = try chain.append([TestChain.body(2), TestChain.body(3)])
        let report = try chain.verify()
        #expect(report.isIntact && report.records == 3 && report.segments == 1, "\(report.problems)")
    }

    @Test func commandFailsOnARenamedSegmentNamingFileAndLine() throws {
        let chain = try renamedChain()
        defer { chain.directory.remove() }
        let run = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(run.status == 1, "\(run)")
        #expect(run.stdout.contains("records/2026-01-01.jsonl:1: seq 1: recorded at 2026-11-26T"), "\(run)")
    }

    @Test func emptyOrMissingChainIsAnError() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        let missing = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(missing.status == 2 && !missing.stdout.contains("intact"), "\(missing)")
        #expect(missing.stderr.contains("\(chain.directory.path)/records"), "\(missing)")
        try FileManager.default.createDirectory(atPath: chain.directory.path + "/records", withIntermediateDirectories: false)
        let empty = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(empty.status == 2 && !empty.stdout.contains("intact"), "\(empty)")
        #expect(empty.stderr.contains("no records"), "\(empty)")
    }

    @Test func commandNamesTheKeyAndWarnsWhenItSitsBesideTheRecords() throws {
        let chain = try TestChain(records: 2)
        defer { chain.directory.remove() }
        let beside = KeyPairFiles(outputDirectory: chain.directory.path).publicKeyPath
        let byDefault = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(byDefault.status == 0, "\(byDefault)")
        #expect(byDefault.stderr.contains("verifying with public key \(beside) (key_id \(chain.key.keyID)), from inside"), "\(byDefault)")
        #expect(byDefault.stderr.contains("warning: \(beside) could have been replaced"), "\(byDefault)")

        let elsewhere = try TestDirectory("isotrace-offnode-key")
        defer { elsewhere.remove() }
        let copy = elsewhere.file("node.pub")
        try FileManager.default.copyItem(atPath: beside, toPath: copy)
        let outside = try IsotraceBinary.run("verify", "--out", chain.directory.path, "--key", copy)
        #expect(outside.status == 0, "\(outside)")
        #expect(outside.stderr.contains("verifying with public key \(copy) (key_id \(chain.key.keyID)), given from outside"), "\(outside)")
        #expect(!outside.stderr.contains("warning"), "\(outside)")
        // The key beside the records, named with --key, is still the key beside the records.
        let named = try IsotraceBinary.run("verify", "--out", chain.directory.path, "--key", beside)
        #expect(named.stderr.contains("warning: \(beside) could have been replaced"), "\(named)")
    }

    @Test("tools/verify_records.py: an empty chain is exit 2, a renamed segment is tampered",
          .enabled(if: Requirements.python.path != nil, Comment(rawValue: Requirements.python.reason)))
    func pythonRecipe() throws {
        let python = try #require(Requirements.python.path)
        let chain = try renamedChain()
        defer { chain.directory.remove() }
        let records = chain.directory.path + "/records", key = KeyPairFiles(outputDirectory: chain.directory.path).publicKeyPath
        let renamed = try Command.run([python, Repository.verifyScript, records, key])
        #expect(renamed.status == 1 && renamed.stdout.contains("2026-01-01.jsonl:1: recorded at 2026-11-26T"), "\(renamed)")
        try FileManager.default.removeItem(atPath: records + "/2026-01-01.jsonl")
        let empty = try Command.run([python, Repository.verifyScript, records, key])
        #expect(empty.status == 2 && !empty.stdout.contains("intact"), "\(empty)")
        let missing = try Command.run([python, Repository.verifyScript, chain.directory.path + "/none", key])
        #expect(missing.status == 2 && !missing.stdout.contains("intact"), "\(missing)")
    }
}
