import Base

/// Re-keying a node with its root private key (`isotrace keygen --rekey-from FILE`, FILE being
/// the `--offline-copy` keygen wrote): for a node whose epoch key is lost (the writers refuse:
/// no key file holds the key the chain continues with) or no longer trusted (root on the node
/// held it). The root key signs a `key_rotation` to a new epoch key at the end of the chain;
/// every other epoch key file is erased. Verifiers accept it because they trust the root key
/// from outside the records (`EpochKeyChain`); the site keeps the key it registered.
///
/// What a re-key does not do: repair the records before it. Records the old epoch key signed
/// while an attacker held it verify as that epoch's, as before; `verify` still reports any
/// record that breaks the chain. The re-key only makes the records after it trustworthy again.
public struct RootRekey: Sendable {
    public var outputDirectory: String

    public init(outputDirectory: String) {
        self.outputDirectory = outputDirectory
    }

    /// What a re-key did.
    public struct Outcome: Sendable {
        /// The chain as the root key saw it just before (the epochs it followed, its problems).
        public var before: VerificationReport
        public var epoch: Int64
        public var keyPath: String
        /// The root-signed `key_rotation`.
        public var rotation: AppendedRecord
        /// Epoch key files erased (the old, lost or distrusted key; leftovers).
        public var erased: [String]
        /// A partial last line moved aside, its `recovery` signed by the new key.
        public var recovered: [RecoveredPartial]
    }

    /// Re-keys with `root`, which must be the key DIR/keys/isotrace.pub holds; under the writers'
    /// lock, after verifying the chain from the root public key (the new epoch is the one after
    /// the last the verifier followed). Refuses a chain not signed with epoch keys.
    public func run(root: RecordSigningKey, node: RecordNode, clock: @escaping () -> UTCTime = UTCTime.now) throws -> Outcome {
        let files = KeyPairFiles(outputDirectory: outputDirectory)
        let registered = try RecordPublicKey.load(path: files.publicKeyPath)
        guard registered.keyID == root.keyID else {
            throw KeyError(path: files.publicKeyPath, reason: "holds root key_id \(registered.keyID); the private key given is key_id \(root.keyID): "
                + "not this node's root key, which alone can re-key its chain")
        }
        let store = EpochKeyStore(outputDirectory: outputDirectory, root: registered)
        let writer = try ChainWriter.openForRekey(outputDirectory: outputDirectory, root: root, node: node, clock: clock)
        defer { writer.close() }
        let before = try ChainVerifier(outputDirectory: outputDirectory, publicKey: registered).verify()
        guard let last = before.epochs.last, last.number > 0 else {
            throw KeyError(path: SegmentDirectory(outputDirectory: outputDirectory).path, reason: "this chain has no epoch keys (no key_rotation from the root key): "
                + "nothing to re-key; a node set up before epoch keys starts a new chain with isotrace keygen")
        }
        let next = RecordSigningKey()
        let path: String
        do {
            path = try store.write(next, epoch: last.number + 1)
        } catch {
            next.erase()
            throw error
        }
        let rotation: AppendedRecord
        do {
            rotation = try writer.rekey(to: next, epoch: last.number + 1, path: path, store: store)
        } catch {
            // Before the rotation was durable the new key is a leftover; after it, the chain names it.
            if writer.epoch?.path != path { try? store.erase(path) }
            next.erase()
            throw error
        }
        var erased: [String] = []
        for file in try store.files() where file.path != path {
            try store.erase(file.path)
            erased.append(file.path)
        }
        let recovered = writer.recovered
        writer.close()
        next.erase()
        return Outcome(before: before, epoch: last.number + 1, keyPath: path, rotation: rotation, erased: erased, recovered: recovered)
    }
}
