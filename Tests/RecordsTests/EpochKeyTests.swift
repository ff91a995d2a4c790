import Base
import Foundation
import Records
import TestSupport
import Testing

/// Forward-secure signing: the root key certifies epoch 1 and is gone; each rotation names the
/// next key in a record signed by the current one and erases the old one; a verifier holding
/// only the root public key follows the rotations and checks every record with its own epoch's
/// key; the crash of a writer at any step of a rotation leaves a chain the next start goes on with.
@Suite struct EpochKeyTests {
    @Test("a three-epoch chain verifies from the root public key alone; only the current epoch's private key is on disk")
    func threeEpochs() throws {
        let chain = try EpochChain.threeEpochs()
        defer { chain.directory.remove() }
        let report = try chain.verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.records == 9 && report.epochs.map(\.number) == [0, 1, 2, 3])
        #expect(report.epochs.map(\.rotationSeq) == [nil, 1, 4, 7])
        #expect(try chain.privateKeyFiles() == ["epoch-3.key"])
        let current = try RecordSigningKey.load(path: chain.keysDirectory + "/epoch-3.key")
        #expect(current.keyID == report.epochs[3].keyID)
        // Every record carries the key_id of its own epoch, and a rotation the chain head it continues.
        let lines = try chain.lines().map { try JSONParser().parse(Array($0.utf8)) }
        let signers = lines.map { $0["key_id"]?.stringValue ?? "" }
        let epochOf = report.epochs.map(\.keyID)
        #expect(signers == [epochOf[0], epochOf[1], epochOf[1], epochOf[1], epochOf[2], epochOf[2], epochOf[2], epochOf[3], epochOf[3]])
        #expect(lines[6]["chain_head"]?["seq"] == .number(6))
        #expect(lines[6]["chain_head"]?["sha256"]?.stringValue == lines[6]["prev"]?.stringValue)
    }

    @Test("a chain signed with one key still verifies with that key, as a single key")
    func singleKey() throws {
        let chain = try TestChain(records: 3)
        defer { chain.directory.remove() }
        let report = try chain.verify()
        #expect(report.isIntact && report.epochs.count == 1 && report.epochs[0].number == 0)
        let verify = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(verify.status == 0 && verify.stdout.contains("single key (not forward-secure)"), "\(verify)")
    }

    @Test("a record signed by another epoch's key, or the root's after epoch 1, is named as such")
    func wrongEpochKey() throws {
        let chain = try EpochChain.threeEpochs()
        defer { chain.directory.remove() }
        // An epoch 2 record re-signed by the epoch 3 key is caught even though that key is genuine.
        let current = try RecordSigningKey.load(path: chain.keysDirectory + "/epoch-3.key")
        var lines = try chain.lines()
        lines[4] = try Forgery.resign(lines[4], with: current)
        try Forgery.write(lines, to: chain.segmentPath)
        let report = try chain.verify()
        let first = try #require(report.problems.first)
        #expect(first.line == 5 && first.reason.contains("is not epoch 2's key"), "\(report.problems)")
    }

    @Test("erase overwrites, unlinks and leaves no key; the in-memory seed is zeroed for every copy")
    func erase() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let store = EpochKeyStore(outputDirectory: directory.path, root: RecordSigningKey().publicKey)
        let key = RecordSigningKey()
        let path = try store.write(key, epoch: 7)
        #expect(try RecordSigningKey.load(path: path).keyID == key.keyID)
        try store.erase(path)
        #expect(!FileManager.default.fileExists(atPath: path))
        let copy = key
        #expect(!copy.isErased)
        key.erase()
        #expect(copy.isErased, "a copy shares the zeroed seed")
    }

    /// The steps of a rotation, each a `CrashPoint` the writer can be killed at.
    static let crashSteps = ["rotation-start", "new-key-written", "rotation-appended", "old-key-overwritten", "old-key-unlinked", "rotation-done"]

    @Test("SIGKILL at each step of a rotation: the chain verifies, the next start goes on, and no earlier epoch's key is left",
          arguments: crashSteps)
    func crashAtEachStep(step: String) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let out = directory.path
        #expect(try IsotraceBinary.run("keygen", "--out", out).status == 0)
        let arguments = try IsotraceBinary.auditRecordArguments(out: out)
        #expect(try Command.run(arguments).status == 1)  // now in epoch 2
        var environment = ProcessInfo.processInfo.environment
        environment[CrashPoint.variable] = step
        let killed = try Command.run(arguments, environment: environment)
        #expect(killed.status == 128 + 9, "the writer killed itself at \(step): \(killed)")

        // Right after the kill: the chain verifies as it is.
        let root = try RecordPublicKey.load(path: KeyPairFiles(outputDirectory: out).publicKeyPath)
        let afterKill = try ChainVerifier(outputDirectory: out, publicKey: root).verify()
        #expect(afterKill.isIntact, "\(step): \(afterKill.problems)")
        let keysAfterKill = try FileManager.default.contentsOfDirectory(atPath: out + "/keys").filter { $0.hasSuffix(".key") }
        #expect(keysAfterKill.count <= 2, "\(step): at most the current key and the one being made or erased: \(keysAfterKill)")

        // The next start: it goes on, erasing any leftover; only the current epoch's key remains.
        let restart = try Command.run(arguments)
        #expect(restart.status == 1, "\(step): \(restart)")
        let report = try ChainVerifier(outputDirectory: out, publicKey: root).verify()
        #expect(report.isIntact, "\(step): \(report.problems)")
        let last = try #require(report.epochs.last)
        let keys = try FileManager.default.contentsOfDirectory(atPath: out + "/keys").filter { $0.hasSuffix(".key") }
        #expect(keys == ["epoch-\(last.number).key"], "\(step): only the current epoch's private key: \(keys)")
        #expect(try RecordSigningKey.load(path: out + "/keys/epoch-\(last.number).key").keyID == last.keyID)
        // Killed before its rotation record was durable: epoch 2 goes on to 3; after: 3 goes on to 4.
        let rotated = !["rotation-start", "new-key-written"].contains(step)
        #expect(last.number == (rotated ? 4 : 3), "\(step): \(report.epochs.map(\.number))")
        if ["new-key-written", "rotation-appended", "old-key-overwritten"].contains(step) {
            #expect(restart.stderr.contains("left by an interrupted key rotation"), "\(step): \(restart.stderr)")
        }
        let verify = try IsotraceBinary.run("verify", "--out", out)
        #expect(verify.status == 0, "\(step): \(verify)")
    }

    @Test("the daemon signs with a new epoch key at start and every --key-epoch", .timeLimit(.minutes(1)))
    func daemonRotates() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let out = directory.path
        #expect(try IsotraceBinary.run("keygen", "--out", out).status == 0)
        let daemon = try ChildProcess([try IsotraceBinary.path(), "daemon", "--out", out, "--no-confine", "--interval", "200ms",
                                       "--key-epoch", "1s", "--proc-root", Repository.pilot3ProcRoot, "--sampler", "procfs",
                                       "--policy", Repository.policy, "--no-index"], ownGroup: true)
        let root = try RecordPublicKey.load(path: KeyPairFiles(outputDirectory: out).publicKeyPath)
        var report = try ChainVerifier(outputDirectory: out, publicKey: root).verify()
        let deadline = Date().addingTimeInterval(20)
        while (report.epochs.last?.number ?? 0) < 4 && Date() < deadline && !daemon.hasExited {
            usleep(200_000)
            report = try ChainVerifier(outputDirectory: out, publicKey: root).verify()
        }
        // Stopped as an operator stops it (SIGTERM): a rotation under way finishes, so exactly one
        // private key is left. A SIGKILL mid-rotation may leave two; the crash-point test covers that.
        daemon.signal(SIGTERM)
        let stopped = daemon.wait(timeout: 60)
        #expect(stopped.status == 0 && !stopped.timedOut, "\(stopped)")
        report = try ChainVerifier(outputDirectory: out, publicKey: root).verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect((report.epochs.last?.number ?? 0) >= 4, "a start and at least two rotations a second apart: \(report.epochs.map(\.number))")
        let keys = try FileManager.default.contentsOfDirectory(atPath: out + "/keys").filter { $0.hasSuffix(".key") }
        #expect(keys.count == 1, "\(keys)")
    }
}

/// What an attacker with root and the current epoch key does to records: re-sign, re-link, renumber.
enum Forgery {
    /// The line with its fields changed by `edit`, signed by `key` (and named by its key_id when `claimKey`).
    static func resign(_ line: String, with key: RecordSigningKey, claimKey: Bool = true,
                       edit: (inout [JSONMember]) -> Void = { _ in }) throws -> String {
        var members = try JSONParser().parse(Array(line.utf8)).objectMembers!.filter { $0.key != "sig" }
        if claimKey { set(&members, "key_id", .string(key.keyID)) }
        edit(&members)
        let signature = try key.signature(for: try CanonicalJSON.bytes(.object(members)))
        return try CanonicalJSON.string(.object(members + [JSONMember("sig", .string(Data(signature).base64EncodedString()))]))
    }

    static func set(_ members: inout [JSONMember], _ key: String, _ value: JSONValue) {
        if let index = members.firstIndex(where: { $0.key == key }) { members[index] = JSONMember(key, value) } else { members.append(JSONMember(key, value)) }
    }

    /// Re-links lines[from...] to what precedes them (prev, and seq from the line before),
    /// re-signing each with `key`: what a forger holding one key can do after an edit.
    static func relink(_ lines: inout [String], from: Int, with key: RecordSigningKey) throws {
        for index in max(from, 0)..<lines.count {
            let previous = index == 0 ? nil : lines[index - 1]
            let prevSeq = try previous.flatMap { try JSONParser().parse(Array($0.utf8))["seq"]?.integerValue } ?? 0
            lines[index] = try resign(lines[index], with: key) { members in
                set(&members, "prev", .string(previous.map { Record.hash(ofLine: Array($0.utf8)) } ?? Record.genesisPrev))
                set(&members, "seq", .number(Double(prevSeq + 1)))
                if members.contains(where: { $0.key == "chain_head" }) {
                    set(&members, "chain_head", .object([JSONMember("seq", .number(Double(prevSeq))),
                                                         JSONMember("sha256", .string(previous.map { Record.hash(ofLine: Array($0.utf8)) } ?? Record.genesisPrev))]))
                }
            }
        }
    }

    static func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }
}
