import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An Ed25519 private key that signs records (swift-crypto's Curve25519.Signing; the signatures
/// themselves are made by libcrypto, see `Ed25519EVPKey`): a node's root
/// key (only while `keygen` certifies the first epoch key), an epoch key, or the single
/// long-lived key of a node set up before epoch keys.
///
/// The 32-byte seed lives in one buffer this type allocates and owns (`Seed`), so `erase()` can
/// zero the very bytes every copy of the key shares (copies of the struct share the buffer).
/// What Swift does not let it reach is said in `erase()`.
public struct RecordSigningKey: Sendable {
    /// The seed's storage, shared by every copy of the key; zeroed by `erase()` and when freed.
    private final class Seed: @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer

        init(copying source: UnsafeRawBufferPointer) {
            bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 8)
            bytes.copyMemory(from: source)
        }

        /// 32 bytes from the system's CSPRNG (getrandom), written straight into the buffer.
        init() {
            bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 8)
            var generator = SystemRandomNumberGenerator()
            for index in 0..<4 { bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: index * 8, as: UInt64.self) }
        }

        /// explicit_bzero (glibc 2.25): a zeroing the compiler may not drop as a dead store.
        func zero() {
            explicit_bzero(bytes.baseAddress!, bytes.count)
        }

        var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

        deinit {
            zero()
            bytes.deallocate()
        }
    }

    private let seed: Seed

    /// A new random key.
    public init() {
        seed = Seed()
    }

    public init(seed bytes: [UInt8]) throws {
        guard bytes.count == 32 else { throw CryptoKitError.incorrectKeySize }
        seed = bytes.withUnsafeBytes { Seed(copying: $0) }
    }

    /// A swift-crypto key made from the seed for one use: swift-crypto keeps the expanded key in
    /// its SecureBytes, which it zeroes (memset_s) when they are freed, right after the use.
    private var key: Curve25519.Signing.PrivateKey {
        try! Curve25519.Signing.PrivateKey(rawRepresentation: UnsafeRawBufferPointer(seed.bytes))  // 32 bytes, checked in init
    }

    /// Reads a PKCS#8 `PRIVATE KEY` PEM file; refuses a file that group or others may access,
    /// as ssh does, because whoever reads the key can forge records.
    public static func load(path: String) throws -> RecordSigningKey {
        try load(path: path, checkDirectory: true)
    }

    /// Reads the root private key's offline copy (`keygen --offline-copy`, for `--rekey-from`):
    /// as `load`, but wherever the admin keeps it (removable media, /tmp), without the check that
    /// no other user can write its directory. A key swapped there is harmless: the re-key uses
    /// it only when it is the root key whose public half the node holds and the site registered.
    public static func loadOfflineCopy(path: String) throws -> RecordSigningKey {
        try load(path: path, checkDirectory: false)
    }

    private static func load(path: String, checkDirectory: Bool) throws -> RecordSigningKey {
        let text = try KeyFile.read(path: path, isPrivate: true, checkDirectory: checkDirectory)
        guard let seed = Ed25519PEM.seed(fromPrivateKeyPEM: text) else {
            throw KeyError(path: path, reason: "not an Ed25519 private key in PEM (PKCS#8, \"BEGIN PRIVATE KEY\")")
        }
        return try RecordSigningKey(seed: seed)
    }

    public var publicKey: RecordPublicKey { try! RecordPublicKey(rawRepresentation: [UInt8](key.publicKey.rawRepresentation)) }
    public var keyID: String { publicKey.keyID }

    /// PKCS#8 PEM of the private key, as `openssl genpkey -algorithm ed25519` writes it.
    public var pem: String { Ed25519PEM.pem(Ed25519PEM.privateKeyDER(seed: [UInt8](seed.bytes)), label: "PRIVATE KEY") }

    /// Runs `body` with a signer that uses one expansion of the key for every message it signs:
    /// the chain writer signs a batch of records with it. The signer is libcrypto's
    /// (`Ed25519EVPKey`: the same signatures, made faster); its key is freed, and zeroed by
    /// OpenSSL, when `body` returns.
    public func withSigner<T>(_ body: (RecordSigner) throws -> T) throws -> T {
        precondition(!seed.isZero, "signing with an erased key")
        let signer = RecordSigner(key: try Ed25519EVPKey(seed: UnsafeRawBufferPointer(seed.bytes),
                                                         expectedPublicKey: [UInt8](key.publicKey.rawRepresentation)))
        return try withExtendedLifetime(signer) { try body(signer) }
    }

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        try withSigner { try $0.signature(for: message) }
    }

    /// Zeroes the seed in place, for this value and every copy of it (they share the buffer);
    /// signing afterwards is a programming error. What Swift does not let this reach: the PEM
    /// text and base64 `Data` the key passed through when it was read or written (Swift strings
    /// and arrays are freed without being zeroed, and may have been copied), and the expanded
    /// keys swift-crypto and libcrypto made for each use, which they zero themselves when freed.
    public func erase() {
        seed.zero()
    }

    /// True once `erase()` has zeroed the seed.
    public var isErased: Bool { seed.isZero }
}

/// Signs messages with a key expanded once (see `RecordSigningKey.withSigner`); not kept
/// beyond that call.
public struct RecordSigner {
    fileprivate let key: Ed25519EVPKey

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        try message.withUnsafeBytes { bytes throws(SigningError) in try key.signature(for: bytes) }
    }

    /// The signature of the bytes at `message` (signed where they are, not copied).
    public func signature(for message: UnsafeRawBufferPointer) throws -> [UInt8] {
        try key.signature(for: message)
    }
}
