/// Turns bytes from /proc (argv, paths, comm) into text without ever failing.
///
/// Valid UTF-8 is kept as it is. When the bytes are not valid UTF-8, each invalid byte becomes
/// `\xNN` and each backslash is doubled, so the original bytes can be recovered from the escaped
/// form; a payload cannot make the sampler crash or hide bytes by writing garbage into its argv.
/// The output does not mark whether escaping happened: valid text that itself reads `\xff` looks
/// like an escaped byte. Where that matters, compare with the raw file.
public enum EscapedText {
    public static func decode(_ bytes: Bytes) -> String {
        // ASCII (nearly every path, name and argument in /proc) needs no validation beyond the
        // one scan; String(validating:) is generic over encodings and costs more than the copy.
        if let text = bytes.withUnsafeBufferPointer({ ASCIIScan.isASCII($0) ? String(decoding: $0, as: UTF8.self) : nil }) {
            return text
        }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var output = ""
        output.reserveCapacity(bytes.count + 8)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte == UInt8(ascii: "\\") { output += "\\\\" } else { output.unicodeScalars.append(Unicode.Scalar(byte)) }
                index += 1
                continue
            }
            let length = sequenceLength(bytes, at: index)
            if length > 0, let text = String(validating: bytes[index..<index + length], as: UTF8.self) {
                output += text
                index += length
            } else {
                output += "\\x" + hexByte(byte)
                index += 1
            }
        }
        return output
    }

    /// Length of a structurally valid UTF-8 sequence starting at `index`, or 0.
    private static func sequenceLength(_ bytes: Bytes, at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard index + length <= bytes.endIndex else { return 0 }
        for offset in 1..<length where bytes[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }

    static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
