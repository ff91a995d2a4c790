/// A byte buffer that JSON is written into directly, formatted exactly as Foundation's
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` formats it: no whitespace,
/// `"`, `\` and control characters escaped (`\b \t \n \f \r`, else `\u00xx`), everything else
/// (including `/`, DEL and non-ASCII UTF-8) as it is. Callers write object keys in sorted order.
package struct JSONBytes {
    package var bytes: [UInt8] = []
    private var needsComma = false

    package init(capacity: Int) { bytes.reserveCapacity(capacity) }

    package mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    package mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    package mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    package mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Hands what is written so far to `output` once it is `limit` bytes or more, and starts
    /// again (a document streamed in pieces, never held whole).
    package mutating func flush(over limit: Int = 65536, to output: ([UInt8]) -> Void) {
        guard bytes.count >= limit else { return }
        output(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Writes `"key":`; the value written next belongs to it.
    package mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A key that is data (an environment variable's or an `unavailable` field's name).
    package mutating func key(_ key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    package mutating func null() { separate(); append("null") }
    package mutating func bool(_ value: Bool) { separate(); append(value ? "true" : "false") }

    package mutating func integer<T: BinaryInteger>(_ value: T) {
        separate()
        if value == 0 { bytes.append(UInt8(ascii: "0")); return }
        var magnitude = UInt64(value.magnitude)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var end = raw.count
            while magnitude > 0 {
                end -= 1
                raw[end] = UInt8(truncatingIfNeeded: magnitude % 10) + 48
                magnitude /= 10
            }
            bytes.append(contentsOf: raw[end...])
            return raw.count - end
        }
        _ = count
    }

    package mutating func string(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { appendEscaped($0) }
        needsComma = true
    }

    /// `"` + the bytes with `"`, `\\` and control characters escaped + `"`. Eight bytes at a time
    /// are tested at once (no byte below 0x20, no quote, no backslash) and copied in runs: the
    /// command lines and paths of a node are long and almost never need an escape.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        let count = utf8.count
        let raw = UnsafeRawBufferPointer(utf8)
        var runStart = 0
        var index = 0
        while index < count {
            if index + 8 <= count {
                if !Self.mayNeedEscape(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                    index += 8
                    continue
                }
            } else {
                // The tail: the last eight bytes again, or the few there are padded with spaces.
                var word: UInt64 = 0x2020_2020_2020_2020
                if count >= 8 {
                    word = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                } else {
                    withUnsafeMutableBytes(of: &word) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[index..<count])) }
                }
                if !Self.mayNeedEscape(word) {
                    index = count
                    break
                }
            }
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            index += 1
            runStart = index
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x08: append("\\b")
            case 0x09: append("\\t")
            case 0x0A: append("\\n")
            case 0x0C: append("\\f")
            case 0x0D: append("\\r")
            default:
                append("\\u00")
                bytes.append(Self.hexDigit(byte >> 4))
                bytes.append(Self.hexDigit(byte & 0xF))
            }
        }
        if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// False when none of the eight bytes of `word` is below 0x20, a quote or a backslash (the
    /// usual bit tricks for "has a byte less than n" and "has a zero byte": exact about whether
    /// any byte matches, though not about which).
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let zeroes = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & highs
        return control | zeroes != 0
    }

    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? value + 48 : value + 87 }

    /// A capability mask as /proc prints it (16 lower-case hex digits), as a JSON string;
    /// the same text as `Capability.hex`.
    package mutating func hexMask(_ mask: UInt64) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for shift in stride(from: 60, through: 0, by: -4) {
            let digit = UInt8(truncatingIfNeeded: (mask >> UInt64(shift)) & 0xF)
            bytes.append(digit < 10 ? digit + 48 : digit + 87)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    package mutating func string(_ value: String?) { if let value { string(value) } else { null() } }

    package mutating func strings(_ values: [String]?) {
        guard let values else { return null() }
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    package mutating func integers<T: BinaryInteger>(_ values: [T]?) {
        guard let values else { return null() }
        beginArray()
        for value in values { integer(value) }
        endArray()
    }

    /// A `[String: String]` with its keys sorted as `JSONEncoder` sorts them (String order).
    package mutating func dictionary(_ values: [String: String]?) {
        guard let values else { return null() }
        beginObject()
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            self.key(key)
            string(value)
        }
        endObject()
    }

    /// An `unavailable` map: each reason as its text, keys sorted as `dictionary` sorts them.
    package mutating func dictionary(_ values: [String: UnavailableReason]) {
        beginObject()
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            self.key(key)
            string(value.description)
        }
        endObject()
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
