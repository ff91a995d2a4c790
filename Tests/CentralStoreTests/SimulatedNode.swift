import Foundation
import TestSupport
import ProcFS
import Records
#if canImport(Glibc)
import Glibc
#endif

/// A worker node as the central database sees it: its own output directory with a real key pair
/// (DIR/keys) and a real signed chain (DIR/records) written with the Records API under its own
/// hostname. Its jobs' processes are `process` records with PanDA IDs, PIDs and uids.
final class SimulatedNode {
    let hostname: String
    let directory: String
    /// The one key of a node set up before epoch keys; with epoch keys, the root key's public half
    /// is `rootKeyID`'s and the signing keys live in DIR/keys/epoch-<n>.key.
    let key: RecordSigningKey
    let signer: ChainSigner
    private(set) var written: Int64 = 0
    var publicKeyPath: String { KeyPairFiles(outputDirectory: directory).publicKeyPath }
    var rootKeyID: String { signer.chainKeyID }

    /// `epochKeys`: set up as `isotrace keygen` does now (root key, epoch 1, seq 1 its key_rotation).
    convenience init(hostname: String) throws {
        try self.init(hostname: hostname, epochKeys: false)
    }

    init(hostname: String, epochKeys: Bool) throws {
        self.hostname = hostname
        directory = try TestDirectory("isotrace-node-\(hostname)").path
        if epochKeys {
            let root = try KeyPairFiles(outputDirectory: directory).createForwardSecure(
                node: RecordNode(hostname: hostname, bootID: "boot-\(hostname)", machineID: "machine-\(hostname)"), offlineCopy: nil).root
            key = RecordSigningKey()  // unused: the epoch keys sign
            signer = .epochs(EpochKeyStore(outputDirectory: directory, root: root))
            written = 1
        } else {
            key = try KeyPairFiles(outputDirectory: directory).create()
            signer = .single(key)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// Appends `count` process records: job `pandaIDs[i % n]`, PID `pidBase + seq`, uid 64901, all
    /// seen at `time`; returns the seqs written.
    @discardableResult
    func append(_ count: Int, pandaIDs: [String], pidBase: Int64 = 20_000, time: String = "2026-11-26T03:12:00.000Z",
                rotate: Bool = false) throws -> ClosedRange<Int64> {
        let writer = try ChainWriter.open(outputDirectory: directory, signer: signer,
                                          node: RecordNode(hostname: hostname, bootID: "boot-\(hostname)", machineID: "machine-\(hostname)"))
        defer { writer.close() }
        if rotate { _ = try writer.rotate() }
        let first = writer.head.seq + 1
        var bodies: [RecordBody] = []
        for index in 0..<count {
            let seq = first + Int64(index)
            let pandaID = pandaIDs[Int(seq) % pandaIDs.count]
            bodies.append(RecordBody(type: .process, members: [JSONMember("process", .object([
                JSONMember("boot_id", .string("boot-\(hostname)")),
                JSONMember("pid", JSONValue(exactly: pidBase + seq)!),
                JSONMember("start_ticks", JSONValue(exactly: 1000 + seq)!),
                JSONMember("start_time", .string(time)),
                JSONMember("uid", JSONValue(exactly: 64901)!),
                JSONMember("cmdline", .array([.string("/bin/bash"), .string("-c"), .string("payload \(pandaID)")])),
                JSONMember("role", .string("payload")),
                JSONMember("panda_id", .string(pandaID)),
                JSONMember("task_id", .string("910000")),
                JSONMember("first_seen", .string(time)),
                JSONMember("last_seen", .string(time)),
            ]))]))
        }
        let appended = try writer.append(bodies)
        written = appended.last?.seq ?? written
        return first...written
    }
}
