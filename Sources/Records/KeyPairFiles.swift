#if canImport(Glibc)
import Glibc
#endif
import Base

/// Where `isotrace keygen` puts a node's key pair, and how: DIR/keys/isotrace.key (PKCS#8 PEM,
/// mode 0600) and DIR/keys/isotrace.pub (SubjectPublicKeyInfo PEM). Both are created with O_EXCL,
/// so an existing key is never overwritten (its records would no longer verify with a new one).
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
