import Base
import Foundation
import Records
import TestSupport
import Testing

/// RFC 8785 canonical JSON against the published vectors (Vectors/), and the strict parser.
@Suite struct CanonicalJSONTests {
    static let vectorNames = ["arrays", "french", "structures", "unicode", "values", "weird"]

    @Test("RFC 8785 test data: input canonicalizes to output, byte for byte", arguments: vectorNames)
    func vector(name: String) throws {
        let input = try Data(contentsOf: URL(fileURLWithPath: "\(Repository.vectors)/input/\(name).json"))
        let expected = try Data(contentsOf: URL(fileURLWithPath: "\(Repository.vectors)/output/\(name).json"))
        let canonical = try CanonicalJSON.bytes(try JSONParser().parse([UInt8](input)))
        #expect(canonical == [UInt8](expected), "\(String(decoding: canonical, as: UTF8.self))")
        // Canonical output is a fixed point.
        #expect(try CanonicalJSON.bytes(try JSONParser().parse([UInt8](expected))) == [UInt8](expected))
    }

    /// (IEEE-754 bits, expected string or nil for no JSON form) from Vectors/es6-numbers.csv.
    static func numberVectors() throws -> [(bits: UInt64, expected: String?)] {
        let text = try String(contentsOfFile: "\(Repository.vectors)/es6-numbers.csv", encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return (UInt64(fields[0], radix: 16)!, fields[1].isEmpty ? nil : String(fields[1]))
        }
    }

    @Test("RFC 8785 Appendix B and ES6 number samples: ECMAScript Number-to-String")
    func numbers() throws {
        let vectors = try Self.numberVectors()
        #expect(vectors.count >= 30)
        for (bits, expected) in vectors {
            let value = Double(bitPattern: bits)
            if let expected {
                #expect(try ECMAScriptNumber.string(value) == expected, "bits \(String(bits, radix: 16))")
                // The expected text parses back to the same double and stays canonical.
                let parsed = try JSONParser().parse(expected)
                #expect(try CanonicalJSON.string(parsed) == expected)
            } else {
                #expect(throws: ECMAScriptNumber.NonFiniteError.self) { try ECMAScriptNumber.string(value) }
            }
        }
    }

    @Test("integers are exact up to 2^53; exponent forms beyond 1e21 and below 1e-6")
    func integerAndExponentForms() throws {
        #expect(try CanonicalJSON.string(try JSONParser().parse("[0, -0, 1, -1, 100, 1.0, 4294967295, 9007199254740991, 1e21, 1e20, 1.5e-7, 0.0000015, 123e-2]"))
            == "[0,0,1,-1,100,1,4294967295,9007199254740991,1e+21,100000000000000000000,1.5e-7,0.0000015,1.23]")
        #expect(JSONValue(exactly: 9_007_199_254_740_991) == .number(9_007_199_254_740_991))
        #expect(JSONValue(exactly: 9_007_199_254_740_992) == nil)
        #expect(throws: JSONParseError.self) { try JSONParser(exactIntegers: true).parse("9007199254740993") }
    }

    @Test("keys sort by UTF-16 code units, not by scalars or locale; equivalent spellings stay distinct")
    func keyOrder() throws {
        // U+FB33 (one UTF-16 unit, 0xFB33) sorts after U+1F602 (surrogates 0xD83D 0xDE02), unlike by scalar.
        let value = JSONValue.object([JSONMember("\u{FB33}", .null), JSONMember("\u{1F602}", .null), JSONMember("e\u{301}", .bool(true)), JSONMember("\u{E9}", .bool(false))])
        #expect(try CanonicalJSON.string(value) == "{\"e\u{301}\":true,\"\u{E9}\":false,\"\u{1F602}\":null,\"\u{FB33}\":null}")
        #expect(try JSONParser().parse("{\"\u{E9}\":1,\"e\u{301}\":2}").objectMembers?.count == 2)
    }

    @Test("string escapes: only what RFC 8785 requires, lower-case hex")
    func stringEscapes() throws {
        let value = JSONValue.string("\u{0}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}\"\\/\u{7F}\u{2028}é")
        #expect(try CanonicalJSON.string(value) == "\"\\u0000\\b\\t\\n\\f\\r\\u001f\\\"\\\\/\u{7F}\u{2028}é\"")
    }

    @Test("the parser refuses what readers could disagree on, with the byte offset", arguments: [
        ("{\"a\":1,\"a\":2}", 7, "duplicate key"),
        ("{\"a\":1} x", 8, "unexpected data after"),
        ("[1,2]]", 5, "unexpected data after"),
        ("\"\\ud800\"", 1, "unpaired high surrogate"),
        ("\"\\udc00\"", 1, "unpaired low surrogate"),
        ("\"\\ud800\\u0041\"", 1, "unpaired high surrogate"),
        ("[01]", 2, "leading zero"),
        ("[1.]", 3, "expected a digit"),
        ("[1e999]", 1, "out of range"),
        ("\"a\u{1}\"", 2, "control character"),
        ("[tru]", 4, "invalid literal"),
        ("{\"a\" 1}", 5, "expected ':'"),
        ("[1,]", 3, "expected a value"),
        ("", 0, "unexpected end"),
    ])
    func refusals(text: String, offset: Int, reason: String) {
        #expect {
            try JSONParser().parse(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == offset && error.reason.contains(reason)
        }
    }

    @Test("invalid UTF-8 is refused at the offending byte", arguments: [
        ([0x22, 0xC0, 0xAF, 0x22], 1),  // overlong "/"
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 2),  // encoded surrogate U+D800
        ([0x22, 0x61, 0xE2, 0x82, 0x22], 4),  // truncated sequence
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 2),  // above U+10FFFF
        ([0x22, 0xFF, 0x22], 1),
    ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        #expect {
            try JSONParser().parse(bytes)
        } throws: { error in
            (error as? JSONParseError)?.offset == offset
        }
    }

    @Test("nesting is bounded")
    func depth() {
        #expect(throws: JSONParseError.self) { try JSONParser(maximumDepth: 10).parse(String(repeating: "[", count: 11) + String(repeating: "]", count: 11)) }
        #expect(throws: Never.self) { try JSONParser(maximumDepth: 10).parse(String(repeating: "[", count: 10) + String(repeating: "]", count: 10)) }
    }

    struct Sample: Encodable {
        var name = "pilot \"x\"\n/é"
        var pid = 31337
        var ratio = 0.1
        var tags = ["a", "b"]
        var missing: String? = nil
    }

    struct TooBig: Encodable { var value: UInt64 = 1 << 60 }
    struct NotANumber: Encodable { var value = Double.nan }

    @Test("an Encodable becomes a JSONValue through JSONEncoder and the strict parser")
    func encodable() throws {
        let value = try JSONValue(encoding: Sample())
        #expect(try CanonicalJSON.string(value) == #"{"name":"pilot \"x\"\n/é","pid":31337,"ratio":0.1,"tags":["a","b"]}"#)
        #expect(throws: JSONValue.EncodingError.self) { try JSONValue(encoding: TooBig()) }
        #expect(throws: JSONValue.EncodingError.self) { try JSONValue(encoding: NotANumber()) }
    }

    /// Keys of every kind against the UTF-16 order itself: ASCII prefixes of each other, the
    /// byte-order shortcut's edges (non-ASCII after a common prefix, U+E000..U+FFFF against
    /// supplementary characters), seeded random keys.
    @Test("key order is the UTF-16 code unit order for every mix of ASCII and non-ASCII keys")
    func keyOrderAgreesWithUTF16() throws {
        let alphabet: [String] = ["a", "b", "_", "Z", "0", "\u{7F}", "\u{80}", "é", "\u{E9}", "\u{FB33}", "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{1F602}", "s", "i", "g"]
        var generator = SplitMix64(seed: 20_261_205)
        for round in 0..<300 {
            var keys = Set<String>()
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                keys.insert((0..<Int.random(in: 0...5, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined())
            }
            let members = keys.shuffled(using: &generator).map { JSONMember($0, .number(1)) }
            let expected = "{" + keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
                .map { try! CanonicalJSON.string(.string($0)) + ":1" }.joined(separator: ",") + "}"
            #expect(try CanonicalJSON.string(.object(members)) == expected, "round \(round)")
        }
    }

    /// The record line is canonicalized once and "sig" put in where it sorts: the same line as
    /// canonicalizing the record with its signature, the signature over the record without it.
    @Test("a record line is the canonical record with its sig, signed over the canonical record without it")
    func recordLineIsCanonical() throws {
        let key = RecordSigningKey()
        let node = RecordNode(hostname: "wn\"1", bootID: "b", machineID: nil)
        let bodies: [RecordBody] = [
            RecordBody(type: .heartbeat, members: []),
            RecordBody(type: .audit, members: [JSONMember("audit", try JSONParser().parse(#"{"z":[1,2.5,-3e-7,"\u00e9"],"a":{"sig":1,"s":null}}"#)), JSONMember("sampler", .string("bpf"))]),
            RecordBody(type: .process, members: [JSONMember("sif", .bool(true)), JSONMember("sh", .null), JSONMember("\u{1F602}", .number(4_294_967_295)), JSONMember("zz", .array([]))]),
        ]
        for (index, body) in bodies.enumerated() {
            let record = Record(seq: Int64(index + 1), time: UTCTime(millisecondsSinceEpoch: 1_795_676_748_123), node: node,
                                prev: Record.genesisPrev, keyID: key.keyID, body: body)
            let line = try record.line(signedWith: key)
            guard case .object(let members) = record.unsigned else { Issue.record("not an object"); continue }
            let unsignedBytes = try CanonicalJSON.bytes(record.unsigned)
            let parsed = try JSONParser().parse(line)
            let sig = try #require(parsed["sig"]?.stringValue)
            let signature = try #require(Data(base64Encoded: sig))
            #expect(key.publicKey.isValidSignature([UInt8](signature), for: unsignedBytes), "record \(index)")
            #expect(line == (try CanonicalJSON.bytes(.object(members + [JSONMember("sig", .string(sig))]))), "record \(index)")
            #expect(try CanonicalJSON.bytes(parsed) == line, "record \(index): the line is canonical")
        }
    }

    @Test("integers print as ECMAScript does through the fast path: exact below 2^53, and round-trip")
    func integerFastPath() throws {
        var generator = SplitMix64(seed: 53)
        for _ in 0..<2_000 {
            let integer = Int64.random(in: -9_007_199_254_740_991...9_007_199_254_740_991, using: &generator)
            #expect(try ECMAScriptNumber.string(Double(integer)) == String(integer))
            let double = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            if double.isFinite { #expect(Double(try ECMAScriptNumber.string(double)) == double, "\(double)") }
        }
        #expect(try ECMAScriptNumber.string(-0.0) == "0")
        #expect(try ECMAScriptNumber.string(9_007_199_254_740_992) == "9007199254740992")
        #expect(try ECMAScriptNumber.string(1e21) == "1e+21")
    }
}
