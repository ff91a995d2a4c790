#if canImport(Glibc)
import Glibc
#endif
import Base

/// A node's key files in DIR/keys: isotrace.pub (SubjectPublicKeyInfo PEM), the root public key
/// a site registers, and, on a node set up before epoch keys, isotrace.key (PKCS#8 PEM, mode
/// 0600), the one long-lived private key (`create()`; `isotrace keygen` now makes the root key
/// and epoch keys instead, `createForwardSecure`). Files are created with O_EXCL, so an
/// existing key is never overwritten (its records would no longer verify with a new one).
public struct KeyPairFiles: Sendable {
    public var outputDirectory: String
    public var directory: String

    public init(outputDirectory: String) {
        self.outputDirectory = outputDirectory
        directory = outputDirectory + "/keys"
    }

    public var privateKeyPath: String { directory + "/isotrace.key" }
    public var publicKeyPath: String { directory + "/isotrace.pub" }

    /// Generates a key pair and writes both files, durably; returns the key. When either file
    /// already exists nothing is written or changed.
    public func create() throws -> RecordSigningKey {
        for path in [privateKeyPath, publicKeyPath] where try Syscalls.linkStatus(of: path) != nil {
            throw KeyError(path: path, reason: "already exists; refusing to overwrite a key (records signed with it would no longer verify)")
        }
        try Syscalls.makeDirectories(directory, mode: 0o700)
        // Another user's directory would let them swap the pair for theirs (StrictModes).
        try Syscalls.checkPrivateDirectory(outputDirectory)
        try Syscalls.checkPrivateDirectory(directory)
        let key = RecordSigningKey()
        try write(key.pem, to: privateKeyPath, mode: 0o600)
        do {
            try write(key.publicKey.pem, to: publicKeyPath, mode: 0o644)
        } catch {
            Syscalls.remove(privateKeyPath)
            throw error
        }
        try Syscalls.fsyncDirectory(directory)
        return key
    }

    /// What `createForwardSecure` made.
    public struct ForwardSecureKeys: Sendable {
        public var root: RecordPublicKey
        public var epochKeyPath: String
        /// The `key_rotation` record (signed by the root key) that certifies epoch 1.
        public var rotation: AppendedRecord
    }

    /// `isotrace keygen`: a new root key pair whose public key goes to isotrace.pub (and whose
    /// private key to `offlineCopy` when given, created exclusively, mode 0600, for the admin to
    /// take off the node); the epoch 1 key in keys/epoch-1.key; and the chain's `key_rotation`
    /// to epoch 1, signed by the root key. Then the root private key is zeroed in memory: it was
    /// never written to the node's key directory. Refuses (changing nothing) when a key already
    /// exists or DIR/records already holds a chain that another key signed.
    public func createForwardSecure(node: RecordNode, offlineCopy: String?, clock: @escaping () -> UTCTime = UTCTime.now) throws -> ForwardSecureKeys {
        for path in [privateKeyPath, publicKeyPath] where try Syscalls.linkStatus(of: path) != nil {
            throw KeyError(path: path, reason: "already exists; refusing to overwrite a key (records signed with it would no longer verify)")
        }
        let segments = SegmentDirectory(outputDirectory: outputDirectory)
        if Syscalls.exists(segments.path), let first = try segments.segments().first {
            throw KeyError(path: segments.path(of: first), reason: "a chain is already here, signed by another key: a new root key would not verify it; move DIR/records away first")
        }
        try Syscalls.makeDirectories(directory, mode: 0o700)
        try Syscalls.checkPrivateDirectory(outputDirectory)
        try Syscalls.checkPrivateDirectory(directory)
        let root = RecordSigningKey()
        defer { root.erase() }
        if let offlineCopy {
            guard let fd = try Syscalls.createExclusive(offlineCopy, O_WRONLY, mode: 0o600) else {
                throw KeyError(path: offlineCopy, reason: "already exists; refusing to overwrite it with a new root key")
            }
            defer { Syscalls.closeFile(fd) }
            do {
                try Syscalls.setMode(fd, 0o600, path: offlineCopy)
                try Syscalls.writeAll(fd, Array(root.pem.utf8), path: offlineCopy)
                try Syscalls.sync(fd, path: offlineCopy)
            } catch {
                Syscalls.remove(offlineCopy)
                throw error
            }
        }
        try write(root.publicKey.pem, to: publicKeyPath, mode: 0o644)
        let store = EpochKeyStore(outputDirectory: outputDirectory, root: root.publicKey)
        let first = RecordSigningKey()
        defer { first.erase() }
        let epochKeyPath = try store.write(first, epoch: 1)
        let writer = try ChainWriter.open(outputDirectory: outputDirectory, signer: .single(root), node: node, clock: clock)
        defer { writer.close() }
        let rotation = try writer.append(KeyRotation(epoch: 1, publicKey: first.publicKey).body)
        try Syscalls.fsyncDirectory(directory)
        return ForwardSecureKeys(root: root.publicKey, epochKeyPath: epochKeyPath, rotation: rotation)
    }

    private func write(_ text: String, to path: String, mode: mode_t) throws {
        guard let fd = try Syscalls.createStateFile(path, O_WRONLY, mode: mode) else {
            throw KeyError(path: path, reason: "already exists; refusing to overwrite a key")
        }
        defer { Syscalls.closeFile(fd) }
        do {
            try Syscalls.writeAll(fd, Array(text.utf8), path: path)
            try Syscalls.sync(fd, path: path)
        } catch {
            Syscalls.remove(path)
            throw error
        }
    }
}
