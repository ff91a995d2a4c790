import Crypto
import Records
import Testing

/// Record signatures are made by libcrypto (`RecordSigner`), keys by swift-crypto: Ed25519 is
/// deterministic (RFC 8032, 5.1.6), so both must give the same 64 bytes for every key and message.
@Suite struct RecordSignerTests {
    /// Messages of every length around SHA-512's 128-byte blocks and its 112-byte padding limit,
    /// longer ones, and one of a megabyte (a record of 1,000 processes is about 430 KB).
    static let lengths = Array(0...300) + [1_000, 4_095, 4_096, 65_537, 1 << 20]

    @Test("libcrypto's signature equals swift-crypto's, byte for byte, for random keys and messages of many lengths")
    func sameSignatures() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<8 {
            let seed = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let key = try RecordSigningKey(seed: seed)
            let reference = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            let lengths = round == 0 ? Self.lengths : Self.lengths.filter { _ in Bool.random(using: &generator) }
            try key.withSigner { signer in
                for length in lengths {
                    let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                    let signature = try signer.signature(for: message)
                    let expected = [UInt8](try reference.signature(for: message))
                    #expect(signature == expected, "seed \(seed), message of \(length) bytes")
                    let inPlace = try message.withUnsafeBytes { try signer.signature(for: $0) }
                    #expect(inPlace == expected, "in place, message of \(length) bytes")
                    #expect(reference.publicKey.isValidSignature(signature, for: message))
                }
            }
            #expect(try key.signature(for: [1, 2, 3]) == [UInt8](try reference.signature(for: [1, 2, 3])))
        }
    }

    @Test("a one-off signature and one through withSigner are the same and verify; erase() then zeroes the key")
    func signsAfterReuse() throws {
        let key = RecordSigningKey()
        let first = try key.signature(for: Array("record".utf8))
        let second = try key.withSigner { try $0.signature(for: Array("record".utf8)) }
        #expect(first == second)
        #expect(key.publicKey.isValidSignature(first, for: Array("record".utf8)))
        key.erase()
        #expect(key.isErased)
    }
}
