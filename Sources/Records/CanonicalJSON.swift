/// The RFC 8785 (JSON Canonicalization Scheme) serialization of a `JSONValue`: no whitespace,
/// object members sorted by the UTF-16 code units of their keys, strings with only the escapes
/// RFC 8785 §3.2.2.2 requires, numbers as ECMAScript writes them. Signatures and the hash chain
/// are computed over these bytes, so any RFC 8785 implementation (Python's rfc8785, Go, Java)
/// reproduces them from the parsed record.
public enum CanonicalJSON {
    public static func bytes(_ value: JSONValue) throws(ECMAScriptNumber.NonFiniteError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        try write(value, to: &output)
        return output
    }

    public static func string(_ value: JSONValue) throws(ECMAScriptNumber.NonFiniteError) -> String {
        String(decoding: try bytes(value), as: UTF8.self)
    }

    private static func write(_ value: JSONValue, to output: inout [UInt8]) throws(ECMAScriptNumber.NonFiniteError) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): output.append(contentsOf: try ECMAScriptNumber.string(number).utf8)
        case .string(let text): writeString(text, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try write(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let sorted = members.map { (utf16: Array($0.key.utf16), member: $0) }
                .sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (index, entry) in sorted.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(entry.member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                try write(entry.member.value, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8785 §3.2.2.2: `"` and `\` escaped, U+0000–U+001F as \b \t \n \f \r or \u00xx (lower-case
    /// hex), everything else (U+007F, U+2028, non-ASCII) written as UTF-8.
    private static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: [0x5C, 0x22])
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
