/// Lower-case hexadecimal, as `prev`, key IDs and sha256sum print digests.
enum Hex {
    static func string<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `text` is exactly `count` lower-case hex digits.
    static func isLowercase(_ text: String?, count: Int) -> Bool {
        guard let text else { return false }
        return text.utf8.count == count && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A hex SHA-256 as `prev` holds it.
    static func isSHA256(_ text: String?) -> Bool { isLowercase(text, count: 64) }
}
