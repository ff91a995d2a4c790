import CLibcrypto

/// An Ed25519 private key in OpenSSL's libcrypto, which signs records.
///
/// Ed25519 hashes the whole message twice with SHA-512 (RFC 8032, 5.1.6), and a daemon recording
/// thousands of short-lived processes a second signs every byte of its records. libcrypto's
/// SHA-512 runs at more than twice the speed of swift-crypto's BoringSSL one on x86-64 (AVX2 and
/// BMI2 against AVX only: 670 against 248 MB/s hashed on the development machine, 2026-12-06).
/// Ed25519 signatures are deterministic, so both give the same bytes; swift-crypto still makes,
/// reads and verifies every key.
///
/// The key is made from the seed for one `RecordSigningKey.withSigner` call and freed after it:
/// OpenSSL keeps the private key in memory it zeroes when the key is freed.
final class Ed25519EVPKey {
    private let key: OpaquePointer

    /// The key of `seed` (32 bytes); its public half must be `expectedPublicKey`, so a libcrypto
    /// that derived another key would be refused before it signs anything.
    init(seed: UnsafeRawBufferPointer, expectedPublicKey: [UInt8]) throws(SigningError) {
        guard seed.count == 32, let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed.baseAddress?.assumingMemoryBound(to: UInt8.self), 32) else {
            throw SigningError.libcrypto("EVP_PKEY_new_raw_private_key")
        }
        self.key = key
        var publicKey = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &publicKey, &length) == 1, length == 32, publicKey == expectedPublicKey else {
            throw SigningError.libcrypto("EVP_PKEY_get_raw_public_key (not the key's public half)")
        }
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// The Ed25519 signature (64 bytes) of `message`, signed where it is.
    func signature(for message: UnsafeRawBufferPointer) throws(SigningError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw SigningError.libcrypto("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1 else { throw SigningError.libcrypto("EVP_DigestSignInit") }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        // An empty message still needs a pointer that is not NULL.
        let status = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { empty in
            EVP_DigestSign(context, &signature, &length,
                           message.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(empty.baseAddress!), message.count)
        }
        guard status == 1, length == 64 else { throw SigningError.libcrypto("EVP_DigestSign") }
        return signature
    }
}

/// Signing a record failed inside libcrypto: which call, and OpenSSL's own reason.
public struct SigningError: Error, CustomStringConvertible {
    public let description: String

    static func libcrypto(_ call: String) -> SigningError {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return SigningError(description: "Ed25519 signing: \(call) failed" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")))
    }
}
