import Base
import SystemPackage
import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// The Ed25519 public key that verifies records, and its key_id: the first 16 hex digits of the
/// SHA-256 of its SubjectPublicKeyInfo DER (what `openssl pkey -pubin -outform DER | sha256sum`
/// gives), written into every record so a verifier knows which key signed it.
public struct RecordPublicKey: Sendable, Equatable {
    /// The 32 key bytes (kept instead of swift-crypto's key type, which is not Sendable).
    public let rawRepresentation: [UInt8]

    public init(rawRepresentation: [UInt8]) throws {
        _ = try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)
        self.rawRepresentation = rawRepresentation
    }

    /// Reads a `PUBLIC KEY` PEM file.
    public static func load(path: String) throws -> RecordPublicKey {
        let text = try KeyFile.read(path: path, isPrivate: false)
        guard let raw = Ed25519PEM.rawPublicKey(fromPEM: text) else {
            throw KeyError(path: path, reason: "not an Ed25519 public key in PEM (SubjectPublicKeyInfo, \"BEGIN PUBLIC KEY\")")
        }
        return try RecordPublicKey(rawRepresentation: raw)
    }

    /// A `PUBLIC KEY` PEM text (as a central database stores it); nil unless it is an Ed25519 key.
    public static func parse(pem text: String) -> RecordPublicKey? {
        Ed25519PEM.rawPublicKey(fromPEM: text).flatMap { try? RecordPublicKey(rawRepresentation: $0) }
    }

    public var der: [UInt8] { Ed25519PEM.publicKeyDER(raw: rawRepresentation) }
    public var pem: String { Ed25519PEM.pem(der, label: "PUBLIC KEY") }

    public var keyID: String { String(Hex.string(SHA256.hash(data: der)).prefix(16)) }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// Reading key files: small, regular, and for private keys not accessible by group or others.
enum KeyFile {
    static let sizeLimit = 16 * 1024

    static func read(path: String, isPrivate: Bool, checkDirectory: Bool = true) throws -> String {
        if isPrivate && checkDirectory {
            // A private key in a directory another user can write is a key they can swap for
            // theirs (StrictModes): records would then be signed with the attacker's key.
            let slash = path.lastIndex(of: "/")
            let directory = slash.map { String(path[..<$0]) } ?? "."
            try Syscalls.checkPrivateDirectory(directory.isEmpty ? "/" : directory)
        }
        let fd: FileDescriptor
        do {
            fd = try Syscalls.openFile(path, O_RDONLY)
        } catch {
            throw KeyError(path: path, reason: "cannot open \(isPrivate ? "private" : "public") key: \(error.errno)")
        }
        defer { Syscalls.closeFile(fd) }
        let (size, mode) = try Syscalls.status(fd, path: path)
        if isPrivate && mode & 0o077 != 0 {
            throw KeyError(path: path, reason: "private key is accessible by group or others (mode \(octal(mode))); "
                + "it must be readable by its owner only: chmod 600 \(path)")
        }
        guard size <= sizeLimit else { throw KeyError(path: path, reason: "too large for a key file (\(size) bytes)") }
        return String(decoding: try Syscalls.readAll(fd, path: path, limit: sizeLimit), as: UTF8.self)
    }

    static func octal(_ mode: mode_t) -> String {
        let text = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
