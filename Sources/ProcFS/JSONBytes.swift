#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A byte buffer that JSON is written into directly, formatted exactly as Foundation's
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` formats it: no whitespace,
/// `"`, `\` and control characters escaped (`\b \t \n \f \r`, else `\u00xx`), everything else
/// (including `/`, DEL and non-ASCII UTF-8) as it is. Callers write object keys in sorted order.
///
/// The bytes live in memory of its own, written through a pointer: a document of 10,000
/// processes is some hundred thousand small appends, and an array's uniqueness and capacity
/// checks on each were a third of the writer's time. A value is meant to be one writer's local
/// variable: copies share the buffer.
package struct JSONBytes {
    private final class Buffer {
        @exclusivity(unchecked) var base: UnsafeMutablePointer<UInt8>
        @exclusivity(unchecked) var count = 0
        @exclusivity(unchecked) var capacity: Int

        init(capacity: Int) {
            self.capacity = max(capacity, 64)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }

        /// Room for `more` bytes after `count`.
        @inline(__always)
        func reserve(_ more: Int) {
            if count + more > capacity { grow(count + more) }
        }

        @inline(never)
        func grow(_ needed: Int) {
            var newCapacity = capacity * 2
            while newCapacity < needed { newCapacity *= 2 }
            let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newBase.update(from: base, count: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }

        @inline(__always)
        func append(_ byte: UInt8) {
            reserve(1)
            base[count] = byte
            count += 1
        }

        @inline(__always)
        func append(_ bytes: UnsafeRawPointer, _ length: Int) {
            reserve(length)
            memcpy(base + count, bytes, length)
            count += length
        }
    }

    private let buffer: Buffer
    private var needsComma = false

    package init(capacity: Int) { buffer = Buffer(capacity: capacity) }

    /// What is written so far (a copy).
    package var bytes: [UInt8] { Array(UnsafeBufferPointer(start: buffer.base, count: buffer.count)) }
    /// How many bytes are written so far.
    package var count: Int { buffer.count }

    package mutating func beginObject() { separate(); buffer.append(UInt8(ascii: "{")); needsComma = false }
    package mutating func endObject() { buffer.append(UInt8(ascii: "}")); needsComma = true }
    package mutating func beginArray() { separate(); buffer.append(UInt8(ascii: "[")); needsComma = false }
    package mutating func endArray() { buffer.append(UInt8(ascii: "]")); needsComma = true }

    /// Hands what is written so far to `output` once it is `limit` bytes or more, and starts
    /// again (a document streamed in pieces, never held whole).
    package mutating func flush(over limit: Int = 65536, to output: ([UInt8]) -> Void) {
        guard buffer.count >= limit else { return }
        output(bytes)
        buffer.count = 0
    }

    /// Writes `"key":`; the value written next belongs to it.
    package mutating func key(_ key: StaticString) {
        separate()
        let length = key.utf8CodeUnitCount
        buffer.reserve(length + 3)
        let at = buffer.base + buffer.count
        at[0] = UInt8(ascii: "\"")
        memcpy(at + 1, key.utf8Start, length)
        at[length + 1] = UInt8(ascii: "\"")
        at[length + 2] = UInt8(ascii: ":")
        buffer.count += length + 3
        needsComma = false
    }

    /// A key that is data (an environment variable's or an `unavailable` field's name).
    package mutating func key(_ key: String) {
        string(key)
        buffer.append(UInt8(ascii: ":"))
        needsComma = false
    }

    package mutating func null() { separate(); append("null") }
    package mutating func bool(_ value: Bool) { separate(); append(value ? "true" : "false") }

    package mutating func integer<T: BinaryInteger>(_ value: T) {
        separate()
        if value == 0 { buffer.append(UInt8(ascii: "0")); return }
        var magnitude = UInt64(value.magnitude)
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var end = raw.count
            while magnitude > 0 {
                end -= 1
                raw[end] = UInt8(truncatingIfNeeded: magnitude % 10) + 48
                magnitude /= 10
            }
            buffer.append(raw.baseAddress! + end, raw.count - end)
        }
    }

    package mutating func string(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { appendEscaped($0) }
        needsComma = true
    }

    /// `"` + the bytes with `"`, `\\` and control characters escaped + `"`. The clean run up to
    /// the next byte that needs an escape is found eight bytes at a time (`cleanPrefix`) and
    /// copied at once: the command lines and paths of a node are long and almost never need an
    /// escape, so the usual string is one scan, one copy and two quotes.
    private func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        let count = utf8.count
        buffer.reserve(count &+ 2)
        guard let base = utf8.baseAddress, count > 0 else {
            append("\"\"")
            return
        }
        var clean = Self.cleanPrefix(base, count)
        if clean == count {
            let at = buffer.base + buffer.count
            at[0] = UInt8(ascii: "\"")
            memcpy(at + 1, base, count)
            at[count &+ 1] = UInt8(ascii: "\"")
            buffer.count &+= count &+ 2
            return
        }
        buffer.append(UInt8(ascii: "\""))
        var runStart = 0
        while true {
            if runStart < clean { buffer.append(base + runStart, clean &- runStart) }
            if clean == count { break }
            let byte = base[clean]
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
                buffer.append(Self.hexDigit(byte >> 4))
                buffer.append(Self.hexDigit(byte & 0xF))
            }
            runStart = clean &+ 1
            clean = runStart &+ Self.cleanPrefix(base + runStart, count &- runStart)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// How many of the `count` bytes at `start` come before the first one that needs an escape
    /// (`count` when none does).
    @inline(__always)
    private static func cleanPrefix(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int {
        let raw = UnsafeRawPointer(start)
        var index = 0
        while index &+ 8 <= count, !mayNeedEscape(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
            index &+= 8
        }
        while index < count {
            let byte = start[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
            index &+= 1
        }
        return count
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
        buffer.reserve(18)
        let at = buffer.base + buffer.count
        at[0] = UInt8(ascii: "\"")
        for index in 0..<16 {
            at[1 + index] = Self.hexDigit(UInt8(truncatingIfNeeded: (mask >> UInt64(60 - 4 * index)) & 0xF))
        }
        at[17] = UInt8(ascii: "\"")
        buffer.count += 18
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

    @inline(__always)
    private mutating func separate() {
        if needsComma { buffer.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    @inline(__always)
    private func append(_ text: StaticString) {
        buffer.append(text.utf8Start, text.utf8CodeUnitCount)
    }
}
