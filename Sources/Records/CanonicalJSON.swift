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
        case .number(let number):
            // Integers below 2^53 (almost every number of a record) written without a String.
            if abs(number) < 9_007_199_254_740_992, number == number.rounded(.towardZero) {
                writeInteger(Int64(number), to: &output)
            } else {
                output.append(contentsOf: try ECMAScriptNumber.string(number).utf8)
            }
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
            try writeMembers(sorted(members)[...], to: &output)
            output.append(UInt8(ascii: "}"))
        }
    }

    /// The canonical bytes of an object's members, split where a member named `key` (not among
    /// them) would go: the object without it is `{before,after}`, with it `{before,key:…,after}`.
    /// The record writer signs the one and writes the other, canonicalizing the record once.
    public static func members(_ members: [JSONMember], splitAt key: String) throws(ECMAScriptNumber.NonFiniteError)
        -> (before: [UInt8], after: [UInt8])
    {
        let ordered = sorted(members)
        let split = ordered.firstIndex { precedes(key, $0.key) } ?? ordered.endIndex
        var before: [UInt8] = [], after: [UInt8] = []
        before.reserveCapacity(256)
        after.reserveCapacity(1024)
        try writeMembers(ordered[..<split], to: &before)
        try writeMembers(ordered[split...], to: &after)
        return (before, after)
    }

    /// `"key":` as canonical bytes.
    public static func key(_ key: String) -> [UInt8] {
        var output: [UInt8] = []
        appendKey(key, to: &output)
        return output
    }

    /// Appends `"key":` as canonical bytes.
    public static func appendKey(_ key: String, to output: inout [UInt8]) {
        writeString(key, to: &output)
        output.append(UInt8(ascii: ":"))
    }

    private static func writeMembers(_ members: ArraySlice<JSONMember>, to output: inout [UInt8]) throws(ECMAScriptNumber.NonFiniteError) {
        var first = true
        for member in members {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            writeString(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            try write(member.value, to: &output)
        }
    }

    private static func sorted(_ members: [JSONMember]) -> [JSONMember] {
        // Already in order (the parser's output of a canonical line) costs one pass.
        if zip(members, members.dropFirst()).allSatisfy({ precedes($0.key, $1.key) }) { return members }
        return members.sorted { precedes($0.key, $1.key) }
    }

    /// RFC 8785 §3.2.3: keys ordered by their UTF-16 code units. Compared as UTF-8 bytes while
    /// they agree; where they first differ, two ASCII bytes order as their code units do (the
    /// bytes before were whole scalars), anything else is decided on the UTF-16 code units.
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        let decided: Bool? = a.withUTF8 { ua in
            b.withUTF8 { ub -> Bool? in
                let common = min(ua.count, ub.count)
                var index = 0
                while index < common && ua[index] == ub[index] { index += 1 }
                if index == common { return ua.count < ub.count }
                if ua[index] < 0x80 && ub[index] < 0x80 { return ua[index] < ub[index] }
                return nil
            }
        }
        return decided ?? a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    /// RFC 8785 §3.2.2.2: `"` and `\` escaped, U+0000–U+001F as \b \t \n \f \r or \u00xx (lower-case
    /// hex), everything else (U+007F, U+2028, non-ASCII) written as UTF-8.
    private static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Runs that need no escape are copied whole.
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < index { output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                runStart = index + 1
                escape(byte, to: &output)
            }
            if runStart < utf8.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// An integer's decimal digits (-0 is 0), as `ECMAScriptNumber.string` writes it.
    private static func writeInteger(_ value: Int64, to output: inout [UInt8]) {
        if value == 0 { return output.append(UInt8(ascii: "0")) }
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var end = raw.count
            while magnitude > 0 {
                end -= 1
                raw[end] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
                magnitude /= 10
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[end...]))
        }
    }

    private static func escape(_ byte: UInt8, to output: inout [UInt8]) {
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
}
