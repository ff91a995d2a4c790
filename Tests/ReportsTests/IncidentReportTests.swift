import Base
import Foundation
import Jobs
import Agent
import Policy
import ProcFS
import RecordIndex
import Records
@testable import Reports
import TestSupport
import Testing

/// `query --panda-id N --format html` from real signed records: two audits of the fixture tree
/// appended to a chain with a fresh key, indexed, queried; then one record altered.
@Suite(.enabled(if: ReportChecker.python != nil, "needs python3 (make deps installs it) for the strict XML parse"))
struct IncidentReportTests {
    static let generatedAt = UTCTime(millisecondsSinceEpoch: 1_795_676_753_000)

    /// A record directory with keys and two signed audit records of `result`.
    static func recordDirectory(_ result: AuditResult) throws -> TestDirectory {
        let directory = try TestDirectory("isotrace-reports")
        let key = try KeyPairFiles(outputDirectory: directory.path).create()
        let writer = try ChainWriter.open(outputDirectory: directory.path, key: key, node: RecordNode(result.snapshot.node))
        defer { writer.close() }
        _ = try writer.append(RecordBody.audit(result))
        var later = result
        later.snapshot.takenAt = UTCTime(millisecondsSinceEpoch: result.snapshot.takenAt.millisecondsSinceEpoch + 30_000)
        _ = try writer.append(RecordBody.audit(later))
        return directory
    }

    /// The verified answer for the job, as `query --panda-id N --format html` gathers it.
    static func evidence(_ directory: TestDirectory) throws -> IncidentEvidence {
        let keyPath = KeyPairFiles(outputDirectory: directory.path).publicKeyPath
        let verified = try VerifiedQuery(directory: directory.path, publicKey: try RecordPublicKey.load(path: keyPath), publicKeyPath: keyPath)
            .run(.pandaID(ReportFixtures.pandaID))
        return IncidentEvidenceCollector.collect(pandaID: ReportFixtures.pandaID, verified: verified, directory: directory.path)
    }

    @Test("who, what, where, when and proof: every process, every cited record verified, the re-verify command")
    func incidentReportFromSignedRecords() throws {
        var result = try ReportFixtures.audit(procRoot: ReportFixtures.pilot3 + "/proc")
        result.jobs[0].owner = JobOwner(dn: "/DC=ch/DC=cern/OU=Users/CN=jdoe", source: "/home/isopilot/work/pilotlog.txt", payloadWritable: false)
        let directory = try Self.recordDirectory(result)
        defer { directory.remove() }
        let evidence = try Self.evidence(directory)

        #expect(evidence.proofs.count == 2, "both audit records are cited")
        #expect(evidence.proofs.allSatisfy { $0.isVerified }, "\(evidence.proofs)")
        #expect(evidence.chain?.problems == [], "chain intact")
        #expect(evidence.chain?.records == 2)
        let key = try RecordPublicKey.load(path: KeyPairFiles(outputDirectory: directory.path).publicKeyPath)
        #expect(evidence.publicKeyID == key.keyID)
        let keyIDs = Set(evidence.proofs.map(\.keyID))
        #expect(keyIDs == [key.keyID])
        #expect(evidence.nodes.map(\.hostname) == [result.snapshot.node.hostname])
        #expect(evidence.allVerified)
        #expect(evidence.owners == [RecordedOwner(dn: "/DC=ch/DC=cern/OU=Users/CN=jdoe", source: "/home/isopilot/work/pilotlog.txt", payloadWritable: false, seqs: [1, 2])])

        let html = IncidentReport.render(evidence, generatedAt: Self.generatedAt, generator: "isotrace test")
        let page = try ReportChecker.page(try directory.write(html, "incident.html"))
        #expect(page.external.isEmpty, "\(page.external)")
        #expect(!page.elements.contains("script"))
        for heading in ["Who", "What: every process", "Pilot instances", "Where", "When: timeline", "Findings (once per change)", "Proof"] {
            #expect(page.text.contains(heading), "section \(heading)")
        }
        // Audit records carry the pilot, its wrapper and the payload processes (not pilot-side helpers).
        let recordedPIDs = result.jobs.flatMap { [$0.pilot?.pid].compactMap { $0 } + $0.job.processes.map(\.pid) }
        #expect(Set(evidence.job?.processes.map { Int32($0.identity.pid) } ?? []) == Set(recordedPIDs))
        #expect(evidence.job?.processes.count == recordedPIDs.count, "one row per process, not per record")
        #expect(page.text.contains("\(recordedPIDs.count) process(es)"), "the header counts processes")
        for pid in recordedPIDs { #expect(page.text.contains(String(pid)), "PID \(pid)") }
        let job = try #require(evidence.job)
        for process in job.processes {
            #expect(page.text.contains(process.firstSeen.description) && page.text.contains("alive at last sight \(process.lastSeen)"))
            if let start = process.startTime { #expect(page.text.contains(start.description), "start time of \(process.identity.pid)") }
        }
        for proof in evidence.proofs {
            #expect(page.text.contains(proof.record.sha256), "hash of seq \(proof.record.seq)")
            #expect(page.text.contains("\(proof.record.file):\(proof.record.line)"))
        }
        #expect(page.text.components(separatedBy: "✓ verified").count - 1 == 2 * evidence.proofs.count, "signature and line, per record")
        #expect(page.text.contains("all 2 cited record(s) verified"))
        #expect(page.text.contains("intact: 2 record(s)"))
        #expect(page.text.contains("tools/verify_records.py \(directory.path)/records \(directory.path)/keys/isotrace.pub"))
        #expect(page.text.contains(result.snapshot.node.bootID ?? "no boot id"))
        #expect(page.text.contains("NOT ISOLATED"))
        #expect(page.text.contains("ISO-UID"))
        #expect(page.text.contains("/DC=ch/DC=cern/OU=Users/CN=jdoe evidence read from /home/isopilot/work/pilotlog.txt, which the payload cannot write; records #1, #2"))
    }

    @Test("an altered record (edited, then re-indexed): FORGED where it is cited, its uid not in Who, the chain TAMPERED")
    func alteredRecordFails() throws {
        let result = try ReportFixtures.audit(procRoot: ReportFixtures.pilot3 + "/proc")
        let directory = try Self.recordDirectory(result)
        defer { directory.remove() }
        let before = try Self.evidence(directory)
        let uid = try #require(before.job?.payloadUIDs.last)
        let forgedUID = uid + 100
        #expect(String(uid).count == String(forgedUID).count)
        // Change the payload uid in the first record without changing its length, and re-index.
        let segment = directory.path + "/" + before.proofs[0].record.file
        var lines = try String(contentsOfFile: segment, encoding: .utf8).components(separatedBy: "\n")
        let original = lines[0]
        lines[0] = original.replacingOccurrences(of: "\"uid\":\(uid),", with: "\"uid\":\(forgedUID),")
        #expect(lines[0] != original && lines[0].utf8.count == original.utf8.count)
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: segment))
        _ = try RecordIndex.rebuild(directory: directory.path)

        let evidence = try Self.evidence(directory)
        #expect(!evidence.allVerified)
        let failed = evidence.proofs.filter { !$0.isVerified }
        #expect(failed.map(\.record.seq) == [1], "only the altered record: \(evidence.proofs)")
        if case .failed(let reason) = failed.first?.signature { #expect(reason.contains("signature"), "\(reason)") } else {
            Issue.record("signature of the altered record not failed: \(String(describing: failed.first?.signature))")
        }
        #expect(evidence.chain?.problems.isEmpty == false)
        #expect(evidence.job?.payloadUIDs.contains(forgedUID) == false, "the forged uid is never summarised")

        let html = IncidentReport.render(evidence, generatedAt: Self.generatedAt, generator: "isotrace test")
        let page = try ReportChecker.page(try directory.write(html, "incident.html"))
        let mark = "FORGED: bad signature at \(failed[0].record.file):\(failed[0].record.line)"
        #expect(page.text.contains(mark))
        #expect(page.text.components(separatedBy: mark).count - 1 > 2, "marked in the header and on every row citing it")
        #expect(page.text.contains("✗ FAILED"))
        #expect(page.text.contains("TAMPERED"))
        #expect(page.text.contains("1 of 2 cited record(s) FAILED verification"))
        let who = try #require(page.text.range(of: "payload uid(s)").map { String(page.text[$0.upperBound...].prefix(200)) })
        #expect(!who.contains(String(forgedUID)), "Who: \(who)")
    }

    @Test("the owner DN an audit record states, with its evidence level")
    func ownerFromRecordLine() throws {
        let line = #"{"audit":{"jobs":[{"panda_id":"42","owner":{"dn":"/DC=ch/CN=Jane <x>","source":"/pilot/pilotlog.txt","payload_writable":false}},{"panda_id":"43","owner":{"dn":"other","source":"s","payload_writable":true}}]},"key_id":"abc","node":{"hostname":"wn1","boot_id":"b","machine_id":"m"},"seq":7}"#
        let facts = try #require(RecordLineFacts.parse(Array(line.utf8), pandaID: "42", seq: 7))
        #expect(facts.keyID == "abc")
        #expect(facts.node == RecordNode(hostname: "wn1", bootID: "b", machineID: "m"))
        #expect(facts.owners == [RecordedOwner(dn: "/DC=ch/CN=Jane <x>", source: "/pilot/pilotlog.txt", payloadWritable: false, seqs: [7])])
        let merged = RecordLineFacts.merge(facts.owners + [RecordedOwner(dn: "/DC=ch/CN=Jane <x>", source: "/pilot/pilotlog.txt", payloadWritable: false, seqs: [9])])
        #expect(merged.map(\.seqs) == [[7, 9]])
        #expect(RecordLineFacts.parse(Array("not json".utf8), pandaID: "42", seq: 1) == nil)
    }
}
