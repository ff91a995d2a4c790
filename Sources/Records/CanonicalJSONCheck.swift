extension CanonicalJSON {
    /// Whether `bytes` are one JSON value exactly as `bytes(_:)` writes the value they parse to
    /// (with `JSONParser(exactIntegers: true)`): then they can be signed as they are, instead of
    /// being parsed and written again. One pass, no values built.
    ///
    /// True only for bytes this writer would make: no whitespace, object keys without escapes in
    /// strictly ascending UTF-16 order (so no duplicates), strings in valid UTF-8 with only the
    /// escapes RFC 8785 writes, integers within ±(2^53 - 1) and not `-0`, nesting no deeper than
    /// the parser allows. Anything else (a fraction, an exponent, an escaped key, which may well
    /// be canonical too) is false and goes the long way: `JSONParser`, then `bytes(_:)`.
    public static func isCanonical(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var check = CanonicalCheck(bytes: buffer)
            return check.value(depth: 0) && check.position == buffer.count
        }
    }
}

/// The one-pass reader behind `CanonicalJSON.isCanonical`: the parser's grammar and limits, with
/// RFC 8785's form demanded on top.
private struct CanonicalCheck {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    /// `JSONParser`'s default nesting limit: deeper is refused there, so not canonical here.
    static let maximumDepth = JSONParser().maximumDepth
    /// Integers up to 2^53 - 1 have at most 16 digits.
    static let maximumIntegerDigits = 16

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func value(depth: Int) -> Bool {
        guard let byte = current else { return false }
        switch byte {
        case UInt8(ascii: "{"): return object(depth: depth + 1)
        case UInt8(ascii: "["): return array(depth: depth + 1)
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer()
        default: return false
        }
    }

    private mutating func object(depth: Int) -> Bool {
        guard depth <= Self.maximumDepth else { return false }
        position += 1
        if current == UInt8(ascii: "}") {
            position += 1
            return true
        }
        var previous: Range<Int>?
        while true {
            guard current == UInt8(ascii: "\"") else { return false }
            let start = position + 1
            // A key with an escape is left to the long way (rare: keys come from code or allowlists).
            guard string() == false else { return false }
            let key = start..<(position - 1)
            if let previous, !precedes(previous, key) { return false }
            previous = key
            guard current == UInt8(ascii: ":") else { return false }
            position += 1
            guard value(depth: depth) else { return false }
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return true
            default: return false
            }
        }
    }

    private mutating func array(depth: Int) -> Bool {
        guard depth <= Self.maximumDepth else { return false }
        position += 1
        if current == UInt8(ascii: "]") {
            position += 1
            return true
        }
        while true {
            guard value(depth: depth) else { return false }
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return true
            default: return false
            }
        }
    }

    /// A string from its opening quote to past its closing one: nil when it is not canonical,
    /// else whether it holds an escape. Sixteen bytes at a time while none is a quote, a backslash,
    /// a control or a non-ASCII byte: the long command lines and paths of a node need none.
    private mutating func string() -> Bool? {
        position += 1
        var escaped = false
        let count = bytes.count
        while true {
            position += JSONByteScan.plainASCIIRun(bytes, from: position)
            guard position < count else { return nil }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return escaped
            case UInt8(ascii: "\\"):
                guard escape() else { return nil }
                escaped = true
            case 0..<0x20:
                return nil
            case 0x20..<0x80:
                position += 1
            default:
                guard case .valid(let length) = JSONByteScan.utf8Sequence(at: position, in: bytes) else { return nil }
                position += length
            }
        }
    }

    /// An escape RFC 8785 writes: `\"`, `\\`, `\b \t \n \f \r`, and `\u00xx` (lower-case hex) for
    /// the other controls only.
    private mutating func escape() -> Bool {
        guard position + 1 < bytes.count else { return false }
        switch bytes[position + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "r"):
            position += 2
            return true
        case UInt8(ascii: "u"):
            guard position + 6 <= bytes.count, bytes[position + 2] == UInt8(ascii: "0"), bytes[position + 3] == UInt8(ascii: "0") else { return false }
            let high = bytes[position + 4], low = bytes[position + 5]
            guard high == UInt8(ascii: "0") || high == UInt8(ascii: "1") else { return false }
            let lowValue: UInt8
            switch low {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): lowValue = low - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): lowValue = low - UInt8(ascii: "a") + 10
            default: return false
            }
            let code = (high - UInt8(ascii: "0")) << 4 | lowValue
            // These five have their short escapes.
            guard ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(code) else { return false }
            position += 6
            return true
        default:
            return false
        }
    }

    /// An integer as ECMAScript writes it: no `-0`, no fraction or exponent, at most 2^53 - 1.
    private mutating func integer() -> Bool {
        let negative = current == UInt8(ascii: "-")
        if negative { position += 1 }
        let start = position
        var magnitude: UInt64 = 0
        while let byte = current, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
            guard position - start < Self.maximumIntegerDigits else { return false }
            magnitude = magnitude * 10 + UInt64(byte - UInt8(ascii: "0"))
            position += 1
        }
        let digits = position - start
        guard digits > 0, magnitude <= UInt64(JSONValue.maxExactInteger) else { return false }
        // A leading zero is only "0" itself, and "-0" is written "0".
        if bytes[start] == UInt8(ascii: "0") && (digits > 1 || negative) { return false }
        if let byte = current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { return false }
        return true
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard position + length <= bytes.count else { return false }
        for index in 0..<length where bytes[position + index] != word.utf8Start[index] { return false }
        position += length
        return true
    }

    /// `CanonicalJSON.precedes` on two keys' UTF-8 bytes (no escapes in them).
    private func precedes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        let common = min(a.count, b.count)
        var index = 0
        while index < common && bytes[a.lowerBound + index] == bytes[b.lowerBound + index] { index += 1 }
        if index == common { return a.count < b.count }
        let x = bytes[a.lowerBound + index], y = bytes[b.lowerBound + index]
        if x < 0x80 && y < 0x80 { return x < y }
        let left = String(decoding: UnsafeBufferPointer(rebasing: bytes[a]), as: UTF8.self)
        let right = String(decoding: UnsafeBufferPointer(rebasing: bytes[b]), as: UTF8.self)
        return left.utf16.lexicographicallyPrecedes(right.utf16)
    }
}
