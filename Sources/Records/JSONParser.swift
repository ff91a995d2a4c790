/// A strict RFC 8259 parser for records and their canonical form.
///
/// Signed records must mean one thing to every reader, so anything two JSON libraries might read
/// differently is refused, with the byte offset: duplicate object keys, trailing bytes after the
/// value, invalid UTF-8 (overlong forms, encoded surrogates), unpaired `\u` surrogate escapes,
/// control characters in strings, numbers outside the double range, nesting deeper than
/// `maximumDepth`.
public struct JSONParser {
    /// Refuse integer literals beyond ±(2^53 - 1): other languages' canonicalizers (Python's
    /// rfc8785) refuse them, and as doubles they would silently change value.
    public var exactIntegers: Bool
    public var maximumDepth: Int

    public init(exactIntegers: Bool = false, maximumDepth: Int = 512) {
        self.exactIntegers = exactIntegers
        self.maximumDepth = maximumDepth
    }

    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(bytes: buffer, options: self)
            do throws(JSONParseError) {
                cursor.skipWhitespace()
                let value = try cursor.value(depth: 0)
                cursor.skipWhitespace()
                if cursor.position < buffer.count {
                    throw JSONParseError(offset: cursor.position, reason: "unexpected data after the JSON value")
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The reading position over the bytes; one recursive-descent step per JSON production.
    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        let options: JSONParser
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, options: JSONParser) {
            self.bytes = bytes
            self.options = options
        }

        private func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError {
            JSONParseError(offset: offset ?? position, reason: reason)
        }

        private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard let byte = current else { throw fail("unexpected end of input, expected a value") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw fail("unexpected byte 0x\(hex(byte)), expected a value")
            }
        }

        private mutating func literal(_ word: String) throws(JSONParseError) {
            let expected = Array(word.utf8)
            for (index, byte) in expected.enumerated() where position + index >= bytes.count || bytes[position + index] != byte {
                throw fail("invalid literal, expected \(word)", at: position + index)
            }
            position += expected.count
        }

        private mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
            if depth > options.maximumDepth { throw fail("nesting deeper than \(options.maximumDepth)") }
            position += 1
            var members: [JSONMember] = []
            // Keys in ascending order (String's: canonically equivalent keys compare equal, so
            // ascending keys are distinct in their bytes too) cannot repeat; the set of keys is built
            // only for an object whose keys are not (canonical records' ASCII keys always are).
            var seen: Set<[UInt8]>?
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let keyOffset = position
                let key = try string()
                if seen != nil {
                    if !seen!.insert(Array(key.utf8)).inserted { throw fail("duplicate key \"\(key)\"", at: keyOffset) }
                } else if let last = members.last, !(last.key < key) {
                    var keys = Set(members.map { Array($0.key.utf8) })
                    if !keys.insert(Array(key.utf8)).inserted { throw fail("duplicate key \"\(key)\"", at: keyOffset) }
                    seen = keys
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw fail("expected ':' after an object key") }
                position += 1
                skipWhitespace()
                members.append(JSONMember(key, try value(depth: depth)))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(members)
                default: throw fail("expected ',' or '}' in an object")
                }
            }
        }

        private mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
            if depth > options.maximumDepth { throw fail("nesting deeper than \(options.maximumDepth)") }
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(elements)
                default: throw fail("expected ',' or ']' in an array")
                }
            }
        }

        /// A string from the opening quote; validates UTF-8 and decodes escapes. A string of plain
        /// ASCII (the usual one) is made from the input bytes at once.
        private mutating func string() throws(JSONParseError) -> String {
            position += 1
            let start = position
            skipPlainASCII()
            if current == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position - 1]), as: UTF8.self)
            }
            var utf8 = Array(bytes[start..<position])
            while true {
                guard let byte = current else { throw fail("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    try escape(into: &utf8)
                case 0..<0x20:
                    throw fail("control character 0x\(hex(byte)) in a string must be escaped")
                case 0x20..<0x80:
                    let run = position
                    skipPlainASCII()
                    utf8.append(contentsOf: bytes[run..<position])
                default:
                    let length = try validUTF8SequenceLength()
                    utf8.append(contentsOf: bytes[position..<position + length])
                    position += length
                }
            }
        }

        /// Moves past printable ASCII other than a quote or a backslash.
        private mutating func skipPlainASCII() {
            position += JSONByteScan.plainASCIIRun(bytes, from: position)
        }

        private mutating func escape(into utf8: inout [UInt8]) throws(JSONParseError) {
            let start = position
            position += 1
            guard let byte = current else { throw fail("unterminated escape") }
            position += 1
            let simple: UInt8?
            switch byte {
            case UInt8(ascii: "\""): simple = 0x22
            case UInt8(ascii: "\\"): simple = 0x5C
            case UInt8(ascii: "/"): simple = 0x2F
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "r"): simple = 0x0D
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "u"): simple = nil
            default: throw fail("invalid escape \\\(Character(Unicode.Scalar(byte)))", at: start)
            }
            if let simple { utf8.append(simple); return }
            var code = UInt32(try hexQuad())
            if (0xDC00...0xDFFF).contains(code) { throw fail("unpaired low surrogate \\u\(hex(code))", at: start) }
            if (0xD800...0xDBFF).contains(code) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw fail("unpaired high surrogate \\u\(hex(code))", at: start)
                }
                position += 2
                let low = UInt32(try hexQuad())
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired high surrogate \\u\(hex(code))", at: start) }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            UTF8.encode(Unicode.Scalar(code)!) { utf8.append($0) }
        }

        private mutating func hexQuad() throws(JSONParseError) -> UInt16 {
            var value: UInt16 = 0
            for _ in 0..<4 {
                guard let byte = current else { throw fail("unterminated \\u escape") }
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw fail("invalid hex digit in \\u escape")
                }
                value = value << 4 | UInt16(digit)
                position += 1
            }
            return value
        }

        /// The length of the well-formed UTF-8 sequence at `position`.
        private func validUTF8SequenceLength() throws(JSONParseError) -> Int {
            switch JSONByteScan.utf8Sequence(at: position, in: bytes) {
            case .valid(let length): return length
            case .invalidLead: throw fail("invalid UTF-8 byte 0x\(hex(bytes[position]))")
            case .truncated(let offset): throw fail("truncated UTF-8 sequence", at: offset)
            case .invalid(let offset): throw fail("invalid UTF-8 sequence", at: offset)
            }
        }

        /// A number by the RFC 8259 grammar, converted to the nearest double.
        private mutating func number() throws(JSONParseError) -> Double {
            let start = position
            var isInteger = true
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, isDigit(first) else { throw fail("expected a digit") }
            position += 1
            if first != UInt8(ascii: "0") { skipDigits() } else if let next = current, isDigit(next) {
                throw fail("leading zero in a number")
            }
            if current == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                guard let digit = current, isDigit(digit) else { throw fail("expected a digit after '.'") }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard let digit = current, isDigit(digit) else { throw fail("expected a digit in the exponent") }
                skipDigits()
            }
            // Up to 15 digits an integer is exact as a double: no text to make.
            if isInteger && position - start <= 15 + (bytes[start] == UInt8(ascii: "-") ? 1 : 0) {
                var magnitude: Int64 = 0
                for byte in bytes[start..<position] where byte != UInt8(ascii: "-") { magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0")) }
                return bytes[start] == UInt8(ascii: "-") ? -Double(magnitude) : Double(magnitude)
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw fail("number \(text) is out of range", at: start) }
            if options.exactIntegers && isInteger && abs(value) > Double(JSONValue.maxExactInteger) {
                throw fail("integer \(text) is beyond 2^53 and cannot be represented exactly", at: start)
            }
            return value
        }

        private mutating func skipDigits() {
            while let byte = current, isDigit(byte) { position += 1 }
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        private func hex<T: BinaryInteger>(_ value: T) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, (T.self == UInt8.self ? 2 : 4) - text.count)) + text
        }
    }
}
