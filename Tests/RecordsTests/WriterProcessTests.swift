import Foundation
import Records
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Real `isotrace audit --record` processes on the fixture /proc copy: killed with SIGKILL in a
/// burst, run concurrently, run on a full disk; and the README's Python recipe on their chain.
/// One at a time: they time processes against each other and mount a filesystem.
@Suite(.serialized) struct WriterProcessTests {
    /// Keys in DIR/keys; returns the public key.
    func keygen(_ directory: TestDirectory) throws -> RecordPublicKey {
        let result = try IsotraceBinary.run("keygen", "--out", directory.path)
        #expect(result.status == 0, "\(result)")
        return try RecordPublicKey.load(path: KeyPairFiles(outputDirectory: directory.path).publicKeyPath)
    }

    @Test("kill -9 during a burst of appends loses no complete record; the next writer recovers and verify passes")
    func killDuringBurst() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        _ = try keygen(directory)
        let arguments = try IsotraceBinary.auditRecordArguments(out: directory.path)
        var seen: [String] = []
        for round in 0..<15 {
            let writers = try (0..<3).map { _ in try ChildProcess(arguments, ownGroup: false) }
            // Kill once this round's writers have appended `wanted` records (0 to 3, by round), as seen
            // in the segment, not after a wall-clock delay: before any append, between them, after all.
            let wanted = round % 4
            var before: [String]
            while true {
                let ended = writers.allSatisfy(\.hasExited)
                before = try chainLines(directory.path)  // complete lines, at most as old as the kill
                if ended || before.count >= seen.count + wanted { break }
                usleep(1_000)
            }
            for writer in writers { writer.stop() }
            #expect(before.count >= seen.count && Array(before.prefix(seen.count)) == seen, "round \(round): complete lines changed")
            seen = before
        }
        let final = try Command.run(arguments)
        #expect(final.status == 1, "\(final)")
        let lines = try chainLines(directory.path)
        #expect(seen.count >= 2, "the burst should have written records before the kills (\(seen.count))")
        #expect(Array(lines.prefix(seen.count)) == seen, "a complete line was lost or rewritten")
        let verify = try IsotraceBinary.run("verify", "--out", directory.path)
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout.contains("seq 1-\(lines.count)"), "\(verify)")
        let partials = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/records").filter { $0.hasSuffix(".partial") }
        let recoveries = lines.filter { $0.contains("\"type\":\"recovery\"") }
        #expect(recoveries.count >= Set(partials).count, "every .partial file is named by a recovery record")
    }

    @Test("concurrent audit --record runs leave one valid chain with consecutive seqs")
    func concurrentWriters() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        _ = try keygen(directory)
        let arguments = try IsotraceBinary.auditRecordArguments(out: directory.path)
        var seqs: [Int] = []
        for _ in 0..<3 {
            let writers = try (0..<4).map { _ in try ChildProcess(arguments, ownGroup: false) }
            for result in writers.map({ $0.wait() }) {
                #expect(result.status == 1, "\(result)")
                let seq = result.stderr.split(separator: "\n").compactMap { line -> Int? in
                    guard line.hasPrefix("isotrace: recorded audit as seq ") else { return nil }
                    return Int(line.split(separator: " ")[5])
                }
                seqs += seq
            }
        }
        // Seq 1 is keygen's key_rotation; each run moves to a new epoch key (a key_rotation) under
        // the same lock as its audit record, so the audits are every other seq from 3.
        #expect(seqs.sorted() == Array(stride(from: 3, through: 25, by: 2)), "each writer got its own seq: \(seqs)")
        let verify = try IsotraceBinary.run("verify", "--out", directory.path)
        #expect(verify.status == 0 && verify.stdout.contains("intact: 25 record(s) in 1 segment(s), seq 1-25"), "\(verify)")
        #expect(verify.stdout.contains("last epoch 13"), "\(verify)")
        let keys = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/keys").sorted()
        #expect(keys == ["epoch-13.key", "isotrace.pub"], "only the current epoch's private key is left: \(keys)")
    }

    @Test("a full disk: a clear error, exit 2, no partial line, and an intact chain",
          .enabled(if: Requirements.isRoot, "mounting a small tmpfs needs root"))
    func fullDisk() throws {
        let keys = try TestDirectory()
        defer { keys.remove() }
        // One long-lived key (--key): the root key's offline copy.
        #expect(try IsotraceBinary.run("keygen", "--out", keys.path, "--offline-copy", keys.file("root.key")).status == 0)
        let publicKey = try RecordPublicKey.load(path: KeyPairFiles(outputDirectory: keys.path).publicKeyPath)
        let mountPoint = try TestDirectory("isotrace-full-disk")
        defer { mountPoint.remove() }
        let mount = try Command.run(["/bin/mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mountPoint.path])
        try #require(mount.status == 0, "mount failed: \(mount)")
        defer { _ = try? Command.run(["/bin/umount", mountPoint.path]) }

        let arguments = try IsotraceBinary.auditRecordArguments(out: mountPoint.path, key: keys.file("root.key"))
        var recorded = 0
        var failure: CommandResult?
        for _ in 0..<40 {
            let result = try Command.run(arguments)
            if result.status == 2 { failure = result; break }
            #expect(result.status == 1, "\(result)")
            recorded += 1
        }
        let full = try #require(failure, "the 64 KiB tmpfs never filled up")
        #expect(full.stderr.contains("No space left on device") && full.stderr.contains("/records/"), "\(full)")
        #expect(recorded > 0)
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: mountPoint.path + "/records").first { $0.hasSuffix(".jsonl") })
        let data = try Data(contentsOf: URL(fileURLWithPath: mountPoint.path + "/records/" + segment))
        #expect(data.last == 0x0A, "a partial line was left behind")
        let report = try ChainVerifier(outputDirectory: mountPoint.path, publicKey: publicKey).verify()
        #expect(report.isIntact && report.records == recorded, "\(report.problems)")
        let verify = try IsotraceBinary.run("verify", "--out", mountPoint.path, "--key", KeyPairFiles(outputDirectory: keys.path).publicKeyPath)
        #expect(verify.status == 0, "\(verify)")
    }

    @Test("the README recipe (tools/verify_records.py, Python cryptography + rfc8785) verifies isotrace's chain",
          .enabled(if: Requirements.python.path != nil, Comment(rawValue: Requirements.python.reason)))
    func pythonRecipe() throws {
        let python = try #require(Requirements.python.path)
        let directory = try TestDirectory()
        defer { directory.remove() }
        _ = try keygen(directory)
        let arguments = try IsotraceBinary.auditRecordArguments(out: directory.path)
        for _ in 0..<2 { #expect(try Command.run(arguments).status == 1) }
        // A crash leftover, so the chain also holds a recovery record.
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/records").first { $0.hasSuffix(".jsonl") })
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path + "/records/" + segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"audit\":{\"cou".utf8))
        try handle.close()
        #expect(try Command.run(arguments).status == 1)
        let records = directory.path + "/records", publicKey = KeyPairFiles(outputDirectory: directory.path).publicKeyPath
        let intact = try Command.run([python, Repository.verifyScript, records, publicKey])
        // keygen's key_rotation, then per run a key_rotation and the audit; the third run first
        // recovers the partial line (a recovery record under epoch 3's key).
        #expect(intact.status == 0 && intact.stdout.contains("intact: 8 records, last seq 8"), "\(intact)")
        #expect(intact.stdout.contains("epoch keys to epoch 4"), "\(intact)")

        var lines = try chainLines(directory.path)
        lines[2] = lines[2].replacingOccurrences(of: "\"pilots\":1", with: "\"pilots\":0")
        try (lines.joined(separator: "\n") + "\n").write(toFile: records + "/" + segment, atomically: false, encoding: .utf8)
        let tampered = try Command.run([python, Repository.verifyScript, records, publicKey])
        #expect(tampered.status == 1 && tampered.stdout.contains("\(segment):3: bad signature") && tampered.stdout.contains("\(segment):4: broken chain"), "\(tampered)")
    }
}
