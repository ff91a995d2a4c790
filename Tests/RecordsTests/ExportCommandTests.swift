import Foundation
import Records
import TestSupport
import Testing
@testable import isotrace

/// `isotrace export`: an evidence bundle that verifies with the Python verifier alone, moved to
/// a path with no isotrace in sight; as a directory and as a .tar.gz.
@Suite(.enabled(if: Requirements.python.path != nil, Comment(rawValue: Requirements.python.reason)))
struct ExportCommandTests {
    static let pandaID = "6402753124"

    /// keygen and two audit records of the fixture tree: seq 1 is keygen's key_rotation to epoch 1,
    /// and each audit --record moves to a new epoch key first (seq 2 and 4), so the audits are 3 and 5.
    static func records(_ directory: TestDirectory) throws -> String {
        let out = directory.file("state")
        #expect(try IsotraceBinary.run("keygen", "--out", out).status == 0)
        let arguments = try IsotraceBinary.auditRecordArguments(out: out)
        for _ in 0..<2 { #expect(try Command.run(arguments).status == 1) }
        return out
    }

    /// What README.txt says a CSIRT runs, from inside the unpacked bundle, with no isotrace.
    static func checkWithoutIsotrace(_ bundle: String) throws {
        let python = try #require(Requirements.python.path)
        let sums = try Command.run(["/bin/sh", "-c", "cd \"$1\" && sha256sum -c --quiet SHA256SUMS", "sh", bundle])
        #expect(sums.status == 0, "\(sums)")
        let verify = try Command.run(["/bin/sh", "-c", "cd \"$1\" && \"$2\" verify_records.py records isotrace.pub", "sh", bundle, python],
                                     environment: ["PATH": "/usr/bin:/bin"])
        #expect(verify.status == 0 && verify.stdout.contains("intact: 5 records, last seq 5"), "\(verify)")
        #expect(verify.stdout.contains("epoch keys to epoch 3"), "\(verify)")
        let cited = try Command.run(["/bin/sh", "-c", """
            cd "$1" && while IFS= read -r line; do grep -qxF -- "$line" records/*.jsonl || echo "NOT IN THE CHAIN"; done < cited.jsonl
            """, "sh", bundle])
        #expect(cited.status == 0 && cited.stdout.isEmpty, "\(cited)")
        #expect(try String(contentsOfFile: bundle + "/cited.txt", encoding: .utf8).split(separator: "\n").count == 2)
        let answer = try String(contentsOfFile: bundle + "/answer.txt", encoding: .utf8)
        #expect(answer.hasPrefix("JOB \(pandaID)"), "\(answer.prefix(300))")
        let html = try String(contentsOfFile: bundle + "/incident-\(pandaID).html", encoding: .utf8)
        #expect(html.contains("all 2 cited record(s) verified"))
        #expect(FileManager.default.fileExists(atPath: bundle + "/answer.json"))
    }

    @Test("export --output DIR: the bundle moved elsewhere verifies with verify_records.py alone")
    func directoryBundle() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let out = try Self.records(directory)
        let bundle = directory.file("bundle")
        let export = try IsotraceBinary.run("export", "--panda-id", Self.pandaID, "--out", out, "--output", bundle)
        #expect(export.status == 0, "\(export)")
        #expect(export.stderr.contains("wrote evidence bundle \(bundle)"))
        let moved = directory.file("elsewhere")
        try FileManager.default.moveItem(atPath: bundle, toPath: moved)
        try Self.checkWithoutIsotrace(moved)
        let again = try IsotraceBinary.run("export", "--panda-id", Self.pandaID, "--out", out, "--output", directory.file("elsewhere"))
        #expect(again.status == 2 && again.stderr.contains("already exists"), "an existing directory is never overwritten: \(again)")
    }

    @Test("export --output FILE.tar.gz: unpacked with tar, it verifies the same")
    func archiveBundle() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let out = try Self.records(directory)
        let archive = directory.file("evidence-\(Self.pandaID).tar.gz")
        let export = try IsotraceBinary.run("export", "--panda-id", Self.pandaID, "--out", out, "--output", archive)
        #expect(export.status == 0, "\(export)")
        let unpacked = directory.file("unpacked")
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: false)
        let tar = try Command.run([try #require(Executables.onPath("tar")), "-xzf", archive, "-C", unpacked])
        #expect(tar.status == 0, "\(tar)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: unpacked) == ["evidence-\(Self.pandaID)"])
        try Self.checkWithoutIsotrace(unpacked + "/evidence-\(Self.pandaID)")
    }

    @Test("the verifier the bundles carry is tools/verify_records.py, byte for byte")
    func verifierIsTheToolsScript() throws {
        let script = try String(contentsOfFile: Repository.verifyScript, encoding: .utf8)
        #expect(VerifierScript.text == script)
    }
}
