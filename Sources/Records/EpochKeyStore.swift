#if canImport(Glibc)
import Glibc
#endif
import Base

/// Where a forward-secure node keeps its signing key: DIR/keys/epoch-<n>.key (PKCS#8 PEM, mode
/// 0600), the private key of the current epoch and, only for the instant of a rotation, the
/// next one. The root public key (DIR/keys/isotrace.pub) says whose chain it is; the root
/// private key is not on the node (`keygen` erased it after certifying epoch 1).
///
/// Which file is current is decided by the chain, not by the files: the key the last record
/// names (a `key_rotation`) or was signed with. Every other epoch file is a leftover of a
/// rotation a crash interrupted (an old key not erased yet, or a new key whose rotation record
/// never became durable) and is erased when a writer opens the chain, so no earlier epoch's key
/// survives a crash for longer than the next start.
public struct EpochKeyStore: Sendable {
    public var directory: String
    /// The root public key: the chain's identity (its key_id names the chain to syslog and the
    /// central store).
    public var root: RecordPublicKey

    public init(outputDirectory: String, root: RecordPublicKey) {
        directory = outputDirectory + "/keys"
        self.root = root
    }

    public func path(epoch: Int64) -> String { directory + "/epoch-\(epoch).key" }

    /// The epoch key files present, by epoch.
    public func files() throws(SystemCallError) -> [(epoch: Int64, path: String)] {
        guard Syscalls.exists(directory) else { return [] }
        return try Syscalls.listDirectory(directory).compactMap { name -> (Int64, String)? in
            guard name.hasPrefix("epoch-"), name.hasSuffix(".key"),
                  let epoch = Int64(name.dropFirst("epoch-".count).dropLast(".key".count)) else { return nil }
            return (epoch, directory + "/" + name)
        }.sorted { $0.0 < $1.0 }
    }

    /// The key the chain goes on with, and where it is.
    public struct Current: Sendable {
        public var epoch: Int64
        public var key: RecordSigningKey
        public var path: String
        /// Leftover epoch files erased on the way (a rotation a crash interrupted).
        public var erased: [String]
    }

    /// Finds the current epoch key for a chain whose last complete line is `lastLine`, and erases
    /// every other epoch file. Refuses (erasing nothing) when no file holds the key the chain
    /// needs: the chain cannot go on with a valid signature, and the files are evidence.
    public func current(lastLine: [UInt8]?) throws -> Current {
        guard let lastLine else {
            throw KeyError(path: directory, reason: "the chain has no record yet, so no epoch key: keygen writes the first key_rotation; "
                + "if keygen was interrupted, remove DIR/keys/isotrace.pub and DIR/keys/epoch-1.key and run isotrace keygen again")
        }
        let record = try JSONParser().parse(lastLine)
        let wanted: String
        var epoch: Int64?
        if record["type"]?.stringValue == RecordType.keyRotation.rawValue {
            let rotation = try KeyRotation.parse(record)
            wanted = rotation.publicKey.keyID
            epoch = rotation.epoch
        } else {
            wanted = record["key_id"]?.stringValue ?? "(none)"
        }
        var found: (epoch: Int64, key: RecordSigningKey, path: String)?
        var others: [String] = []
        for file in try files() {
            let text = try KeyFile.read(path: file.path, isPrivate: true)  // a wrong mode is refused, never erased
            if let seed = Ed25519PEM.seed(fromPrivateKeyPEM: text), let key = try? RecordSigningKey(seed: seed), key.keyID == wanted, found == nil {
                found = (epoch ?? file.epoch, key, file.path)
            } else {
                others.append(file.path)  // an older epoch's key, or a new key (maybe half written) never certified
            }
        }
        guard let found else {
            let seq = record["seq"]?.integerValue.map(String.init) ?? "?"
            throw KeyError(path: directory, reason: "no epoch-<n>.key here holds key_id \(wanted), the key the chain's last record (seq \(seq)) "
                + "continues with: the chain cannot go on with a valid signature. Keep the files as evidence (verify still checks them); "
                + "to record again, re-key with the root private key's offline copy (isotrace keygen --rekey-from FILE), "
                + "or archive DIR/records and DIR/keys and run isotrace keygen (a new root key to register)")
        }
        for path in others { try erase(path) }
        return Current(epoch: found.epoch, key: found.key, path: found.path, erased: others)
    }

    /// Writes the next epoch's private key durably (create exclusively with mode 0600, write,
    /// fsync, fsync the directory) before any record names it, so the chain never names a key
    /// that is not on disk. A leftover file of that name (a crash) is erased first.
    public func write(_ key: RecordSigningKey, epoch: Int64) throws -> String {
        let path = path(epoch: epoch)
        try Syscalls.makeDirectories(directory, mode: 0o700)
        try Syscalls.checkPrivateDirectory(directory)
        var created = try Syscalls.createStateFile(path, O_WRONLY, mode: 0o600)
        if created == nil {
            try erase(path)
            created = try Syscalls.createStateFile(path, O_WRONLY, mode: 0o600)
        }
        guard let fd = created else { throw KeyError(path: path, reason: "appeared while this writer held the lock") }
        defer { Syscalls.closeFile(fd) }
        do {
            try Syscalls.writeAll(fd, Array(key.pem.utf8), path: path)
            try Syscalls.sync(fd, path: path)
            try Syscalls.fsyncDirectory(directory)
        } catch {
            Syscalls.remove(path)
            throw error
        }
        return path
    }

    /// Erases a private key file: overwrites its bytes with zeros and fsyncs, unlinks it, and
    /// fsyncs the directory. The overwrite reaches the same blocks on ext4 and XFS (in place);
    /// on a copy-on-write file system (btrfs, ZFS) or below it (an SSD's flash translation),
    /// old blocks may survive until reused, which no file operation can prevent.
    public func erase(_ path: String) throws {
        if let fd = try Syscalls.openExistingStateFile(path, O_WRONLY) {
            defer { Syscalls.closeFile(fd) }
            let size = try Syscalls.status(fd, path: path).size
            try Syscalls.writeAll(fd, [UInt8](repeating: 0, count: Int(size)), path: path)
            try Syscalls.sync(fd, path: path)
            CrashPoint.reached("old-key-overwritten")
        }
        try Syscalls.removeExisting(path)
        CrashPoint.reached("old-key-unlinked")
        try Syscalls.fsyncDirectory(directory)
    }
}
