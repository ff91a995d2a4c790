import Base
import Foundation
import RecordIndex
import Records

/// A record directory with a fresh key pair whose records are really signed and chained (the
/// chain writer, with a clock the test sets): what `query` verifies. Bodies are built like
/// `SyntheticRecords`' (the audit contract, the daemon's process/exit/finding records).
final class SignedRecords {
    let directory = RecordDirectory()
    private let writer: ChainWriter
    private let clock = Clock()
    let publicKeyPath: String

    final class Clock: @unchecked Sendable {
        var now = UTCTime(millisecondsSinceEpoch: 0)
    }

    init() throws {
        let key = try KeyPairFiles(outputDirectory: directory.path).create()
        publicKeyPath = KeyPairFiles(outputDirectory: directory.path).publicKeyPath
        let clock = self.clock
        writer = try ChainWriter.open(outputDirectory: directory.path, key: key,
                                      node: RecordNode(hostname: "wn01", bootID: SyntheticRecords.bootID, machineID: "0123456789abcdef"),
                                      clock: { clock.now })
    }

    deinit { writer.close() }

    var path: String { directory.path }

    /// Appends one record of `type` with `body` (its body keys), written at `time`.
    func append(_ type: RecordType, _ body: [String: Any], at time: String) throws {
        clock.now = TimeExpression.rfc3339(time)!
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let value = try JSONParser().parse(String(decoding: data, as: UTF8.self))
        _ = try writer.append(RecordBody(type: type, members: value.objectMembers ?? []))
    }

    /// Appends many records in one batch (one fsync), all written at `time`.
    func append(batch: [(RecordType, [String: Any])], at time: UTCTime) throws {
        clock.now = time
        let bodies = try batch.map { type, body -> RecordBody in
            let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            return RecordBody(type: type, members: try JSONParser().parse(String(decoding: data, as: UTF8.self)).objectMembers ?? [])
        }
        _ = try writer.append(bodies)
    }

    func audit(at time: String, jobs: [[String: Any]], unattributed: [[String: Any]] = []) throws {
        try append(.audit, ["audit": [
            "summary": ["jobs": jobs.count], "node": ["hostname": "wn01", "boot_id": SyntheticRecords.bootID],
            "policy": ["id": "wlcg-mupj", "version": "1.0.0", "sha256": String(repeating: "a", count: 64), "title": "t"],
            "jobs": jobs, "unattributed": unattributed, "node_findings": [Any](), "taken_at": time,
        ]], at: time)
    }

    /// The daemon's `process` record (first sight) or `exit` record (gone; last seen at `lastSeen`).
    func daemon(_ type: RecordType, _ process: [String: Any], role: String, pilot: [String: Any]?, firstSeen: String,
                lastSeen: String, at time: String) throws {
        var process = process
        process["role"] = role
        process["task_id"] = "77"
        process["pilot"] = pilot.map { ["boot_id": $0["boot_id"]!, "pid": $0["pid"]!, "start_ticks": $0["start_ticks"]!] } ?? NSNull()
        process["first_seen"] = firstSeen
        process["last_seen"] = lastSeen
        try append(type, ["process": process], at: time)
    }

    /// The segment of `day` as lines, and rewritten (tampering).
    func lines(day: String) -> [String] { directory.lines(day: day) }
    func rewrite(_ lines: [String], day: String) { directory.rewrite(lines, day: day) }

    func verifiedQuery() throws -> VerifiedQuery {
        VerifiedQuery(directory: path, publicKey: try RecordPublicKey.load(path: publicKeyPath), publicKeyPath: publicKeyPath)
    }
}
