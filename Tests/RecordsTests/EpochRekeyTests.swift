import Foundation
import Records
import TestSupport
import Testing

/// Re-keying a node from the root private key's offline copy (`keygen --rekey-from`): the root
/// key signs a `key_rotation` to a new epoch key at the end of the chain, every other epoch key
/// is erased, and verifiers accept it from the root public key alone.
@Suite struct EpochRekeyTests {
    @Test("a lost epoch key: writers refuse; the root key re-keys; writers go on; verify and the Python recipe follow the re-key")
    func lostKey() throws {
        let chain = try EpochChain.threeEpochs(offlineCopy: true)
        defer { chain.directory.remove() }
        try FileManager.default.removeItem(atPath: chain.keysDirectory + "/epoch-3.key")
        #expect(throws: KeyError.self, "no key file holds the key the chain continues with") { try chain.append(1, from: 7) }

        let root = try RecordSigningKey.load(path: chain.rootCopyPath)
        defer { root.erase() }
        let outcome = try RootRekey(outputDirectory: chain.directory.path).run(root: root, node: chain.node, clock: chain.clock.now)
        #expect(outcome.before.isIntact && outcome.before.records == 9)
        #expect(outcome.epoch == 4 && outcome.rotation.seq == 10 && outcome.erased.isEmpty)
        #expect(try chain.privateKeyFiles() == ["epoch-4.key"])

        try chain.append(2, from: 7)  // epoch 4's key on disk: the writers go on
        let lines = try chain.lines()
        let rekey = try JSONParser().parse(Array(lines[9].utf8))
        #expect(rekey["type"]?.stringValue == "key_rotation" && rekey["key_id"]?.stringValue == chain.root.keyID, "signed by the root key: \(lines[9])")
        #expect(try JSONParser().parse(Array(lines[10].utf8))["key_id"]?.stringValue == rekey["key_rotation"]?["key_id"]?.stringValue)

        let report = try chain.verify()
        #expect(report.isIntact && report.records == 12, "\(report.problems)")
        #expect(report.epochs.map(\.number) == [0, 1, 2, 3, 4])
        #expect(report.epochs.filter(\.isRekey).map(\.rotationSeq) == [10])
        // A query's cited line is checked with the key of its epoch: the root key for the re-key.
        let verifier = ChainVerifier(outputDirectory: chain.directory.path, publicKey: chain.root)
        #expect(verifier.problems(inLine: Array(lines[9].utf8), seq: 10, epochs: report.epochs).isEmpty)
        #expect(verifier.problems(inLine: Array(lines[10].utf8), seq: 11, epochs: report.epochs).isEmpty)

        let verify = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(verify.status == 0 && verify.stdout.contains("re-keyed by the root key at seq 10 (epoch 4)"), "\(verify)")
        if Requirements.openssl != nil {
            let signatures = try Command.run(["/bin/sh", Repository.path("tools/verify_openssl.sh"), chain.segmentPath, chain.keysDirectory + "/isotrace.pub"])
            #expect(signatures.status == 0 && signatures.stdout.contains(":10: key_rotation signed by the root key (a re-key)"), "\(signatures)")
        } else {
            print("skipped the openssl recipe on a re-keyed chain: openssl is not installed")
        }
        guard let python = Requirements.python.path else {
            print("skipped the Python recipe on a re-keyed chain: \(Requirements.python.reason)")
            return
        }
        let recipe = try Command.run([python, Repository.verifyScript, chain.directory.path + "/records", chain.keysDirectory + "/isotrace.pub"])
        #expect(recipe.status == 0, "\(recipe)")
    }

    @Test("a key root held: the re-key erases it, and a record signed with it afterwards fails verify at its line")
    func stolenKey() throws {
        let chain = try EpochChain.threeEpochs(offlineCopy: true)
        defer { chain.directory.remove() }
        let stolen = try RecordSigningKey.load(path: chain.keysDirectory + "/epoch-3.key")
        let root = try RecordSigningKey.load(path: chain.rootCopyPath)
        defer { root.erase() }
        let outcome = try RootRekey(outputDirectory: chain.directory.path).run(root: root, node: chain.node, clock: chain.clock.now)
        #expect(outcome.erased == [chain.keysDirectory + "/epoch-3.key"])
        #expect(try chain.privateKeyFiles() == ["epoch-4.key"])

        var lines = try chain.lines()
        lines.append(lines[8])
        try Forgery.relink(&lines, from: 10, with: stolen)
        try Forgery.write(lines, to: chain.segmentPath)
        let report = try chain.verify()
        let first = try #require(report.problems.first)
        #expect(first.line == 11 && first.reason.contains("signed with epoch 3's key"), "\(report.problems)")
    }

    @Test("a private key that is not the node's root key is refused, and nothing changes")
    func wrongRoot() throws {
        let chain = try EpochChain.threeEpochs()
        defer { chain.directory.remove() }
        let before = try chain.lines()
        let other = RecordSigningKey()
        #expect {
            try RootRekey(outputDirectory: chain.directory.path).run(root: other, node: chain.node, clock: chain.clock.now)
        } throws: { error in
            "\(error)".contains("not this node's root key")
        }
        #expect(try chain.lines() == before)
        #expect(try chain.privateKeyFiles() == ["epoch-3.key"])
    }

    @Test("a partial last line: the re-key moves it aside and its recovery record is signed by the new key, not the root key")
    func partialLine() throws {
        let chain = try EpochChain.threeEpochs(offlineCopy: true)
        defer { chain.directory.remove() }
        let handle = try #require(FileHandle(forWritingAtPath: chain.segmentPath))
        handle.seekToEndOfFile()
        handle.write(Data("{\"audit\":{\"half".utf8))
        handle.closeFile()
        let root = try RecordSigningKey.load(path: chain.rootCopyPath)
        defer { root.erase() }
        let outcome = try RootRekey(outputDirectory: chain.directory.path).run(root: root, node: chain.node, clock: chain.clock.now)
        #expect(outcome.rotation.seq == 10 && outcome.recovered.map(\.record.seq) == [11])
        let lines = try chain.lines()
        let recovery = try JSONParser().parse(Array(lines[10].utf8))
        #expect(recovery["type"]?.stringValue == "recovery" && recovery["key_id"]?.stringValue != chain.root.keyID)
        let report = try chain.verify()
        #expect(report.isIntact, "\(report.problems)")
    }

    @Test("keygen --rekey-from: audit --record refuses without its epoch key, goes on after the re-key; refused while a daemon holds the directory")
    func command() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let out = directory.path + "/state", copy = directory.path + "/root.key"
        #expect(try IsotraceBinary.run("keygen", "--out", out, "--offline-copy", copy).status == 0)
        let audit = try IsotraceBinary.auditRecordArguments(out: out)
        #expect(try Command.run(audit).status == 1)
        for name in try FileManager.default.contentsOfDirectory(atPath: out + "/keys") where name.hasPrefix("epoch-") {
            try FileManager.default.removeItem(atPath: out + "/keys/" + name)
        }
        let refused = try Command.run(audit)
        #expect(refused.status == 2 && refused.stderr.contains("the chain cannot go on with a valid signature"), "\(refused)")

        // A daemon holds DIR/daemon.lock for its life: stand in for it with flock(1), which holds the same lock.
        let lock = out + "/daemon.lock"
        let holder = try ChildProcess(["/usr/bin/flock", lock, "/bin/sleep", "120"])
        defer { holder.stop() }
        let held = holder.waitFor { (try? Command.run(["/usr/bin/flock", "-n", lock, "/bin/true"]))?.status == 1 ? true : nil }
        try #require(held == true, "flock did not take \(lock): \(holder.stderrText)")
        let whileRunning = try IsotraceBinary.run("keygen", "--out", out, "--rekey-from", copy)
        #expect(whileRunning.status == 2 && whileRunning.stderr.contains("another isotrace daemon"), "\(whileRunning)")
        holder.stop()

        let rekey = try IsotraceBinary.run("keygen", "--out", out, "--rekey-from", copy)
        #expect(rekey.status == 0 && rekey.stdout.contains("certified by the root key"), "\(rekey)")
        #expect(try Command.run(audit).status == 1, "audit --record goes on with the new epoch key")
        let verify = try IsotraceBinary.run("verify", "--out", out)
        #expect(verify.status == 0 && verify.stdout.contains("re-keyed by the root key at seq"), "\(verify)")
        let both = try IsotraceBinary.run("keygen", "--out", out, "--rekey-from", copy, "--offline-copy", directory.path + "/x")
        #expect(both.status != 0 && both.stderr.contains("give one of them"), "\(both)")
    }
}
