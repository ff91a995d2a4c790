import Foundation
import Records
import TestSupport
import Testing

/// Retention with epoch keys: prune keeps the key_rotation records of the segments it removes in
/// records/key_rotations.jsonl, so verify (Swift and Python) still leads from the root public key
/// to the key of every remaining record; a rotation log cut or edited breaks that path.
@Suite struct EpochPruneTests {
    static let day: Int64 = 86_400_000
    static let today = TestClock.parse("2026-11-26T07:05:53.063Z")

    /// Segments 300, 200, 100 days old and today: keygen's rotation and 2 records (epoch 1); then
    /// in each later segment a rotation (seq 4, 7, 10) and 2 records of the new epoch.
    static func agedChain() throws -> EpochChain {
        let clock = TestClock()
        clock.milliseconds = today - 300 * day
        let chain = try EpochChain(clock: clock)
        try chain.append(2)
        for age: Int64 in [200, 100, 0] {
            clock.milliseconds = today - age * day
            try chain.append(2, rotate: true)
        }
        clock.milliseconds = today
        return chain
    }

    static func prune(_ chain: EpochChain) throws -> ChainPruner.Report {
        try ChainPruner(outputDirectory: chain.directory.path, signer: .epochs(chain.store), node: chain.node, clock: chain.clock.now)
            .prune(olderThanMilliseconds: 180 * day, label: "180d")
    }

    var log: (EpochChain) -> String = { $0.directory.path + "/records/" + RotationLog.name }

    @Test("prune keeps the rotations of removed segments; verify and the Python recipe lead from the root key to every remaining record")
    func keepsRotations() throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        let lines = try chain.lines()
        let report = try Self.prune(chain)
        #expect(report.plan?.firstKeptSeq == 7 && report.rotationsKept == 2, "\(String(describing: report.plan))")
        let kept = try String(contentsOfFile: log(chain), encoding: .utf8)
        #expect(kept == lines[0] + "\n" + lines[3] + "\n", "the rotation lines of seq 1 and 4, byte for byte")
        let verified = try chain.verify()
        #expect(verified.isIntact, "\(verified.problems)")
        #expect(verified.prunedThrough == 6 && verified.epochs.map(\.number) == [0, 1, 2, 3, 4], "\(verified.epochs)")

        if let python = Requirements.python.path {
            let recipe = try Command.run([python, Repository.verifyScript, chain.directory.path + "/records", chain.keysDirectory + "/isotrace.pub"])
            #expect(recipe.status == 0 && recipe.stdout.contains("seq 1-6 pruned") && recipe.stdout.contains("epoch keys to epoch 4"), "\(recipe)")
        } else {
            print("skipped the Python recipe: \(Requirements.python.reason)")
        }

        // The chain goes on; a second prune adds the next rotation, once.
        try chain.append(1, rotate: true)
        chain.clock.milliseconds = Self.today + 90 * Self.day
        let second = try Self.prune(chain)
        #expect(second.plan?.firstKeptSeq == 10 && second.rotationsKept == 1)
        #expect(try String(contentsOfFile: log(chain), encoding: .utf8).split(separator: "\n").count == 3)
        let again = try chain.verify()
        #expect(again.isIntact && again.epochs.last?.number == 5, "\(again.problems)")
        let command = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(command.status == 0 && command.stdout.contains("last epoch 5"), "\(command)")
    }

    @Test("a rotation log removed, cut or edited: verify fails at the first record it can no longer place",
          arguments: ["removed", "cut", "edited"])
    func brokenLog(damage: String) throws {
        let chain = try Self.agedChain()
        defer { chain.directory.remove() }
        _ = try Self.prune(chain)
        let path = log(chain)
        var logLines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        switch damage {
        case "removed": try FileManager.default.removeItem(atPath: path)
        case "cut": logLines.removeLast(); try Forgery.write(logLines, to: path)
        default: logLines[1] = logLines[1].replacingOccurrences(of: "\"epoch\":2", with: "\"epoch\":3"); try Forgery.write(logLines, to: path)
        }
        let report = try chain.verify()
        #expect(!report.isIntact, "\(damage): must not verify")
        if damage == "edited" {
            #expect(report.problems.contains { $0.file == path && $0.line == 2 }, "\(damage): \(report.problems)")
        }
        // The first kept record (seq 7, a rotation signed by epoch 2's key) can no longer be placed.
        #expect(report.problems.contains { $0.file.hasSuffix(".jsonl") && $0.file != path && $0.line == 1 && $0.reason.contains("key") },
                "\(damage): \(report.problems)")
        if let python = Requirements.python.path {
            let recipe = try Command.run([python, Repository.verifyScript, chain.directory.path + "/records", chain.keysDirectory + "/isotrace.pub"])
            #expect(recipe.status == 1, "\(damage): \(recipe)")
        }
    }

    @Test("tools/verify_openssl.sh checks every signature from the root key, following the rotations",
          .enabled(if: Requirements.openssl != nil, "openssl is not installed"))
    func opensslRecipe() throws {
        let chain = try EpochChain.threeEpochs()
        defer { chain.directory.remove() }
        let script = Repository.path("tools/verify_openssl.sh")
        let root = chain.keysDirectory + "/isotrace.pub"
        let intact = try Command.run(["/bin/sh", script, chain.segmentPath, root])
        #expect(intact.status == 0 && intact.stdout.contains("signatures good: 9 line(s)"), "\(intact)")
        // An epoch 1 record re-signed with the current key (epoch 3's), the only one on the node.
        var lines = try chain.lines()
        lines[1] = try Forgery.resign(lines[1].replacingOccurrences(of: "\"note\":\"job ", with: "\"note\":\"jab "),
                                      with: try RecordSigningKey.load(path: chain.keysDirectory + "/epoch-3.key"), claimKey: false)
        try Forgery.write(lines, to: chain.segmentPath)
        let forged = try Command.run(["/bin/sh", script, chain.segmentPath, root])
        #expect(forged.status == 1 && forged.stdout.hasPrefix("\(chain.segmentPath):2: bad signature"), "\(forged)")
    }
}
