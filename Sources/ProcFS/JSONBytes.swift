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
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
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
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                runStart = index + 1
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
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0xF)])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

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
