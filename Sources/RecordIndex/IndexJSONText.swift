import Glibc
import Records

/// The text of the index's JSON columns, byte for byte what Foundation's JSONEncoder writes for
/// the same values, without an encoder per value: `uids`, `gids`, `cmdline` and `failing_rules`
/// as GRDB stores arrays (JSONEncoder with sorted keys: slashes escaped as `\/`), and a finding's
/// `evidence` as the index has always kept it (sorted keys, slashes as they are). Control
/// characters are escaped as JSONEncoder escapes them (`\b \t \n \f \r`, else `\u00xx`); every
/// other character is written as it is. Strings are scanned eight bytes at a time.
enum IndexJSONText {
    /// `values` as a JSON array, written into `scratch` (emptied first).
    static func write(_ values: [Int64], into scratch: JSONScratch) {
        scratch.count = 0
        scratch.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { scratch.append(UInt8(ascii: ",")) }
            appendInteger(value, to: scratch)
        }
        scratch.append(UInt8(ascii: "]"))
    }

    /// `values` as a JSON array of strings, slashes escaped, written into `scratch` (emptied first).
    static func write(_ values: [String], into scratch: JSONScratch) {
        scratch.count = 0
        scratch.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { scratch.append(UInt8(ascii: ",")) }
            appendString(value, escapingSlashes: true, to: scratch)
        }
        scratch.append(UInt8(ascii: "]"))
    }

    static func integers(_ values: [Int64]) -> String {
        let scratch = JSONScratch()
        write(values, into: scratch)
        return scratch.text
    }

    static func strings(_ values: [String]) -> String {
        let scratch = JSONScratch()
        write(values, into: scratch)
        return scratch.text
    }

    /// A finding's evidence as JSONEncoder writes its `EvidenceValue` (sorted keys, slashes as
    /// they are); nil when the value holds what is left to JSONEncoder itself: a number that is
    /// not an integer within Int64, a key that is not ASCII (Swift's dictionary and JSONEncoder's
    /// order then have their own rules), or a key twice in one object.
    static func evidence(_ value: JSONValue) -> String? {
        let scratch = JSONScratch()
        guard appendEvidence(value, to: scratch) else { return nil }
        return scratch.text
    }

    private static func appendEvidence(_ value: JSONValue, to scratch: JSONScratch) -> Bool {
        switch value {
        case .null:
            scratch.append("null")
        case .bool(let flag):
            scratch.append(flag ? "true" : "false")
        case .number(let number):
            guard let integer = Int64(exactly: number) else { return false }
            appendInteger(integer, to: scratch)
        case .string(let string):
            appendString(string, escapingSlashes: false, to: scratch)
        case .array(let elements):
            scratch.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { scratch.append(UInt8(ascii: ",")) }
                guard appendEvidence(element, to: scratch) else { return false }
            }
            scratch.append(UInt8(ascii: "]"))
        case .object(let members):
            guard members.allSatisfy({ isASCII($0.key) }) else { return false }
            // The writer's objects mostly come in key order already.
            let inOrder = zip(members, members.dropFirst()).allSatisfy { precedes($0.key, $1.key) }
            let sorted = inOrder ? members : members.sorted { precedes($0.key, $1.key) }
            scratch.append(UInt8(ascii: "{"))
            for (index, member) in sorted.enumerated() {
                if index > 0 {
                    guard precedes(sorted[index - 1].key, member.key) else { return false }  // a key twice
                    scratch.append(UInt8(ascii: ","))
                }
                appendString(member.key, escapingSlashes: false, to: scratch)
                scratch.append(UInt8(ascii: ":"))
                guard appendEvidence(member.value, to: scratch) else { return false }
            }
            scratch.append(UInt8(ascii: "}"))
        }
        return true
    }

    private static func isASCII(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } }
    }

    /// Whether `a` sorts strictly before `b` by their UTF-8 bytes.
    private static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { first in
            b.withUTF8 { second in
                let common = min(first.count, second.count)
                let order = common == 0 ? 0 : memcmp(first.baseAddress!, second.baseAddress!, common)
                return order < 0 || (order == 0 && first.count < second.count)
            }
        }
    }

    private static func appendInteger(_ value: Int64, to scratch: JSONScratch) {
        scratch.reserve(20)
        if value < 0 { scratch.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var power: UInt64 = 10
        while digits < 20 && magnitude >= power {
            digits += 1
            power = power &* 10
        }
        let out = scratch.end
        for index in stride(from: digits - 1, through: 0, by: -1) {
            out[index] = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
            magnitude /= 10
        }
        scratch.count += digits
    }

    private static func appendString(_ string: String, escapingSlashes: Bool, to scratch: JSONScratch) {
        var string = string
        string.withUTF8 { appendEscaped($0, escapingSlashes: escapingSlashes, to: scratch) }
    }

    /// `bytes` as a JSON string. Eight bytes at a time: a word with nothing to escape is copied
    /// whole; otherwise the bytes before its first escaped one are, then that one is escaped, and
    /// the next word starts just after it.
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, escapingSlashes: Bool, to scratch: JSONScratch) {
        scratch.reserve(bytes.count * 6 + 2)
        var out = scratch.end
        out.pointee = UInt8(ascii: "\"")
        out += 1
        if let input = bytes.baseAddress {
            let count = bytes.count
            var index = 0
            while index + 8 <= count {
                let word = UnsafeRawPointer(input + index).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(out).storeBytes(of: word, as: UInt64.self)
                let hits = escaped(word, escapingSlashes)
                if hits == 0 {
                    out += 8
                    index += 8
                    continue
                }
                // The lowest flagged byte is a true one (the tricks' false flags only follow a true one).
                let clean = hits.trailingZeroBitCount / 8
                out += clean
                index += clean
                out = put(input[index], escapingSlashes, out)
                index += 1
            }
            while index < count {
                out = put(input[index], escapingSlashes, out)
                index += 1
            }
        }
        out.pointee = UInt8(ascii: "\"")
        out += 1
        scratch.count = out - scratch.base
    }

    /// The bytes of `word` (in memory order, little-endian) that are escaped, each marked by its
    /// high bit: below 0x20, `"`, `\\`, or `/` when slashes are. The bit tricks find a zero byte,
    /// and a byte below n, exactly, and may also mark bytes after one they found.
    @inline(__always)
    private static func escaped(_ word: UInt64, _ slashes: Bool) -> UInt64 {
        let word = UInt64(littleEndian: word)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroByte(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & high }
        var hits = (word &- ones &* 0x20) & ~word & high
        hits |= zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0x5C))
        if slashes { hits |= zeroByte(word ^ (ones &* 0x2F)) }
        return hits
    }

    private static let hex: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                             UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102)

    @inline(__always)
    private static func put(_ byte: UInt8, _ slashes: Bool, _ out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        func escaped(_ letter: UInt8) -> UnsafeMutablePointer<UInt8> {
            out[0] = UInt8(ascii: "\\")
            out[1] = letter
            return out + 2
        }
        switch byte {
        case UInt8(ascii: "\""): return escaped(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): return escaped(UInt8(ascii: "\\"))
        case UInt8(ascii: "/") where slashes: return escaped(UInt8(ascii: "/"))
        case 0x08: return escaped(UInt8(ascii: "b"))
        case 0x09: return escaped(UInt8(ascii: "t"))
        case 0x0A: return escaped(UInt8(ascii: "n"))
        case 0x0C: return escaped(UInt8(ascii: "f"))
        case 0x0D: return escaped(UInt8(ascii: "r"))
        case 0..<0x20:
            _ = escaped(UInt8(ascii: "u"))
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            withUnsafeBytes(of: hex) { digits in
                out[4] = digits[Int(byte >> 4)]
                out[5] = digits[Int(byte & 0xF)]
            }
            return out + 6
        default:
            out.pointee = byte
            return out + 1
        }
    }
}

/// A growable byte buffer that JSON texts are written into, kept from one row to the next.
final class JSONScratch {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    var count = 0

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Where the next byte goes.
    var end: UnsafeMutablePointer<UInt8> { base + count }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Room for `extra` more bytes.
    func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = max(capacity * 2, count + extra)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = grown
    }

    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    func append(_ text: StaticString) {
        reserve(text.utf8CodeUnitCount)
        (base + count).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }
}
