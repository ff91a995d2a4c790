/// Turns bytes from /proc (argv, paths, comm) into text without ever failing.
///
/// Valid UTF-8 is kept as it is. When the bytes are not valid UTF-8, each invalid byte becomes
/// `\xNN` and each backslash is doubled, so the original bytes can be recovered from the escaped
/// form; a payload cannot make the sampler crash or hide bytes by writing garbage into its argv.
/// The output does not mark whether escaping happened: valid text that itself reads `\xff` looks
/// like an escaped byte. Where that matters, compare with the raw file.
public enum EscapedText {
    public static func decode(_ bytes: Bytes) -> String {
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

    /// The one escaping rule for text output (tables, `check`'s line, logs): every value that came
    /// from a process or a file goes through it before it reaches a terminal or a log line.
    ///
    /// Newline, carriage return and tab become `\n`, `\r`, `\t`; every other C0 control, DEL and
    /// ESC become `\xNN` (so `ESC[2J`, OSC 52 and OSC 0 arrive as `\x1b[2J`, `\x1b]52;...`);
    /// C1 controls (U+0080–U+009F, which some terminals treat as CSI/OSC), the Unicode line and
    /// paragraph separators and the bidirectional overrides and isolates (which reorder what the
    /// reader sees, CVE-2021-42574) become `\u{NNNN}`. A payload therefore cannot clear the screen,
    /// write the clipboard, set the window title, or forge a line of its own in isotrace's output.
    /// Everything else, including other non-ASCII text, is kept as it is; text that needs no
    /// escaping is returned unchanged.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                output.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x80 {
                    output += "\\x" + hexByte(UInt8(scalar.value))
                } else {
                    output += "\\u{" + String(scalar.value, radix: 16) + "}"
                }
            }
        }
        return output
    }

    /// C0 and C1 controls, DEL, line/paragraph separators, bidirectional controls.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: return true
        default: return false
        }
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
