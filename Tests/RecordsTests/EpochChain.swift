import Foundation
import Records
import TestSupport

/// A forward-secure chain in a temp directory: `KeyPairFiles.createForwardSecure` (what
/// `isotrace keygen` does: root key, epoch 1 key, the root-signed key_rotation as seq 1), then
/// records and rotations written in-process with the epoch keys on disk.
struct EpochChain {
    let directory: TestDirectory
    let root: RecordPublicKey
    let node = RecordNode(hostname: "wn042.example.org", bootID: "5f3e7818-07e2-431b-892c-3a6b909258ff", machineID: nil)
    let clock: TestClock

    /// `keygen --offline-copy`'s root private key, when `offlineCopy`: DIR/root.key.
    var rootCopyPath: String { directory.path + "/root.key" }

    init(clock: TestClock = TestClock(), offlineCopy: Bool = false) throws {
        self.clock = clock
        directory = try TestDirectory()
        let copy = offlineCopy ? directory.path + "/root.key" : nil
        root = try KeyPairFiles(outputDirectory: directory.path).createForwardSecure(node: node, offlineCopy: copy, clock: clock.now).root
    }

    var store: EpochKeyStore { EpochKeyStore(outputDirectory: directory.path, root: root) }
    var keysDirectory: String { directory.path + "/keys" }
    var segmentPath: String { directory.path + "/records/2026-11-26.jsonl" }

    /// Appends `count` audit bodies with the current epoch key, after a rotation when `rotate`.
    @discardableResult
    func append(_ count: Int, rotate: Bool = false, from number: Int = 1) throws -> [AppendedRecord] {
        let writer = try ChainWriter.open(outputDirectory: directory.path, signer: .epochs(store), node: node, clock: clock.now)
        defer { writer.close() }
        let rotation = rotate ? [try writer.rotate()] : []
        return try rotation + writer.append((number..<(number + count)).map(TestChain.body))
    }

    /// epoch 1: seq 1 (keygen's rotation) and 2-3; epoch 2: rotation 4 and 5-6; epoch 3: rotation 7 and 8-9.
    static func threeEpochs(offlineCopy: Bool = false) throws -> EpochChain {
        let chain = try EpochChain(offlineCopy: offlineCopy)
        try chain.append(2, from: 1)
        try chain.append(2, rotate: true, from: 3)
        try chain.append(2, rotate: true, from: 5)
        return chain
    }

    func verify() throws -> VerificationReport {
        try ChainVerifier(outputDirectory: directory.path, publicKey: root).verify()
    }

    func lines() throws -> [String] { try chainLines(directory.path) }

    /// The private key files in keys/.
    func privateKeyFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: keysDirectory).filter { $0.hasSuffix(".key") }.sorted()
    }
}
