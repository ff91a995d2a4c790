/// Turns untrusted text (command lines, paths, DNs, messages) into character data that is safe in
/// HTML text and in quoted attribute values, and well-formed XML.
///
/// Plot 0.14's own escaping is not enough for evidence: `Node.text` passes through anything that
/// looks like an entity (`&lt;` stays `&lt;`, so a command line reading `&lt;` is shown as `<`, and
/// `&x;` is left as an undefined entity), and attribute values are written as they are, so a `"`
/// ends the attribute. Every untrusted string therefore goes through `escape` and reaches Plot as
/// raw, already escaped text (`Node.untrusted`, `Node.untrustedAttribute`).
public enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as character references, and characters that would be invisible,
    /// misleading or not allowed in XML made visible (see `visible`).
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for scalar in visible(text).unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Control characters (C0, DEL, C1) become `\xNN`, and bidirectional controls, zero-width
    /// characters and noncharacters become `\u{NNNN}`: a payload cannot hide text, reorder what the
    /// officer reads (a right-to-left override) or break the XML parse with a byte XML forbids.
    /// The sampler already shows invalid UTF-8 bytes as `\xNN` (ProcFS `EscapedText`).
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var output = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x100, isHidden(scalar) {
                output += "\\x" + hex(scalar.value, width: 2)
            } else if isHidden(scalar) {
                output += "\\u{" + hex(scalar.value, width: 4) + "}"
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        // Zero-width and bidirectional formatting characters (Trojan Source, CVE-2021-42574).
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: return true
        // Noncharacters, which XML does not allow.
        case 0xFFFE, 0xFFFF, 0xFDD0...0xFDEF: return true
        default: return scalar.value & 0xFFFE == 0xFFFE
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
