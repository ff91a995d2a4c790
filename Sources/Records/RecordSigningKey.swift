import Crypto
import Foundation

/// The node's Ed25519 private key, which signs every record (swift-crypto's Curve25519.Signing).
public struct RecordSigningKey: Sendable {
    /// The 32-byte seed (kept instead of swift-crypto's key type, which is not Sendable).
    private let seed: [UInt8]

    /// A new random key.
    public init() {
        seed = [UInt8](Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    public init(seed: [UInt8]) throws {
        _ = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        self.seed = seed
    }

    private var key: Curve25519.Signing.PrivateKey {
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)  // checked in init
    }

    /// Reads a PKCS#8 `PRIVATE KEY` PEM file; refuses a file that group or others may access,
    /// as ssh does, because whoever reads the key can forge records.
    public static func load(path: String) throws -> RecordSigningKey {
        let text = try KeyFile.read(path: path, isPrivate: true)
        guard let seed = Ed25519PEM.seed(fromPrivateKeyPEM: text) else {
            throw KeyError(path: path, reason: "not an Ed25519 private key in PEM (PKCS#8, \"BEGIN PRIVATE KEY\")")
        }
        return try RecordSigningKey(seed: seed)
    }

    public var publicKey: RecordPublicKey { try! RecordPublicKey(rawRepresentation: [UInt8](key.publicKey.rawRepresentation)) }
    public var keyID: String { publicKey.keyID }

    /// PKCS#8 PEM of the private key, as `openssl genpkey -algorithm ed25519` writes it.
    public var pem: String { Ed25519PEM.pem(Ed25519PEM.privateKeyDER(seed: seed), label: "PRIVATE KEY") }

    /// Runs `body` with a signer that uses one expansion of the key for every message it signs
    /// (swift-crypto derives the key pair from the seed each time a key is made): the chain
    /// writer signs a batch of records with it.
    public func withSigner<T>(_ body: (RecordSigner) throws -> T) rethrows -> T {
        try body(RecordSigner(key: key))
    }

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        [UInt8](try key.signature(for: message))
    }
}

/// Signs messages with a key expanded once (see `RecordSigningKey.withSigner`); not kept
/// beyond that call.
public struct RecordSigner {
    fileprivate let key: Curve25519.Signing.PrivateKey

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        [UInt8](try key.signature(for: message))
    }
}
