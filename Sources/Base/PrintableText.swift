/// The one escaping rule for showing text that came from a process, a file or a record: every
/// table, `check`'s line, log and error message, and (under its HTML escaping) every report.
///
/// Newline, carriage return and tab become `\n`, `\r`, `\t`; every other C0 control, DEL and the
/// C1 controls (which some terminals take as CSI/OSC) become `\xNN`, so `ESC[2J`, OSC 52 and OSC 0
/// arrive as `\x1b[2J`, `\x1b]52;...`; the Unicode line and paragraph separators, zero-width and
/// bidirectional formatting characters (which hide text or reorder what the reader sees,
/// CVE-2021-42574) and noncharacters (which XML forbids) become `\u{NNNN}`. A payload therefore
/// cannot clear the screen, write the clipboard, set the window title, hide text or forge a line
/// of its own in isotrace's output. Other text, non-ASCII included, is kept as it is; text that
/// needs no escaping is returned unchanged. (Bytes that are not UTF-8 the sampler already shows as
/// `\xNN`, ProcFS `EscapedText`.)
public enum PrintableText {
    public static func escape(_ text: String) -> String {
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
            default: output += scalar.value < 0x100 ? "\\x" + hex(scalar.value, width: 2) : "\\u{" + hex(scalar.value, width: 4) + "}"
            }
        }
        return output
    }

    /// Controls (C0, DEL, C1), line and paragraph separators, zero-width and bidirectional
    /// formatting characters, noncharacters.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: return true
        case 0xFDD0...0xFDEF: return true
        default: return scalar.value & 0xFFFE == 0xFFFE
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
