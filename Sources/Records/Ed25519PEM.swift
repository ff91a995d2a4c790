import Foundation

/// The standard file forms of Ed25519 keys (RFC 8410), so openssl, Python's cryptography and any
/// other library read isotrace's keys: PKCS#8 `PRIVATE KEY` and SubjectPublicKeyInfo `PUBLIC KEY`,
/// in PEM. For Ed25519 both DER encodings are a fixed prefix followed by the 32 key bytes, so they
/// are built and checked here by hand instead of with a general ASN.1 library.
enum Ed25519PEM {
    /// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }
    static let privateKeyPrefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    /// SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits, 32 bytes) }
    static let publicKeyPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    static func privateKeyDER(seed: [UInt8]) -> [UInt8] { privateKeyPrefix + seed }
    static func publicKeyDER(raw: [UInt8]) -> [UInt8] { publicKeyPrefix + raw }

    /// The 32-byte seed from a PKCS#8 PEM; nil unless it is exactly an Ed25519 PKCS#8 v1 key.
    static func seed(fromPrivateKeyPEM text: String) -> [UInt8]? {
        guard let der = der(from: text, label: "PRIVATE KEY") else { return nil }
        return keyBytes(der, prefix: privateKeyPrefix)
    }

    /// The 32-byte public key from a SubjectPublicKeyInfo PEM; nil unless it is an Ed25519 key.
    static func rawPublicKey(fromPEM text: String) -> [UInt8]? {
        guard let der = der(from: text, label: "PUBLIC KEY") else { return nil }
        return keyBytes(der, prefix: publicKeyPrefix)
    }

    /// PEM (RFC 7468): the label lines around base64 in lines of 64 characters.
    static func pem(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString()
        var lines = ["-----BEGIN \(label)-----"]
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func der(from text: String, label: String) -> [UInt8]? {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex) else { return nil }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map { [UInt8]($0) }
    }

    private static func keyBytes(_ der: [UInt8], prefix: [UInt8]) -> [UInt8]? {
        guard der.count == prefix.count + 32, Array(der.prefix(prefix.count)) == prefix else { return nil }
        return Array(der.suffix(32))
    }
}
