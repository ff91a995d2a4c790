import Foundation
import Records
import TestSupport
import Testing

/// `CanonicalJSON.isCanonical`: bytes it accepts are exactly what the canonical writer makes of
/// them (so the daemon can sign its writers' JSON as it is), and what the writer would change is
/// refused, never accepted.
@Suite struct CanonicalJSONCheckTests {
    /// Accepted bytes are a fixed point of parse-then-write: the property everything rests on.
    func expectSound(_ bytes: [UInt8], _ comment: @autoclosure () -> String = "") {
        guard CanonicalJSON.isCanonical(bytes) else { return }
        let rewritten = try? CanonicalJSON.bytes(try JSONParser(exactIntegers: true).parse(bytes))
        #expect(rewritten == bytes, "\(comment()) \(String(decoding: bytes, as: UTF8.self))")
    }

    @Test("what the canonical writer makes of integers, strings, objects and arrays is accepted as it is")
    func writerOutputAccepted() throws {
        var generator = SplitMix64(seed: 2026_12_05_11)
        let texts = ["", "a/b", "\u{0}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1f}\"\\", "caf\u{e9}", "e\u{301}", "\u{1F600}", "\u{FB33}", "\u{7F}\u{2028}",
                     "4267387837", "--athenaopts=--preloadlib=${ATLASMKLLIBDIR_PRELOAD}/libimf.so", String(repeating: "x", count: 37)]
        let keys = ["", "a", "a_b", "ab", "B", "caf\u{e9}", "e\u{301}", "\u{1F602}", "\u{FB33}", "\u{7F}", "x y"]
        func value(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0...(depth > 3 ? 3 : 5), using: &generator) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &generator))
            case 2: return .number(Double(Int64.random(in: -JSONValue.maxExactInteger...JSONValue.maxExactInteger, using: &generator) >> Int64.random(in: 0...52, using: &generator)))
            case 3: return .string((0..<Int.random(in: 0...3, using: &generator)).map { _ in texts.randomElement(using: &generator)! }.joined())
            case 4: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in value(depth + 1) })
            default:
                var members: [JSONMember] = []
                for key in keys where Bool.random(using: &generator) { members.append(JSONMember(key, value(depth + 1))) }
                return .object(members.shuffled(using: &generator))
            }
        }
        for round in 0..<2000 {
            let bytes = try CanonicalJSON.bytes(value(0))
            #expect(CanonicalJSON.isCanonical(bytes), "round \(round): \(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("what the writer would change (and an escaped key, left to the long way) is refused", arguments: [
        "{\"b\":1,\"a\":2}", "{\"a\":1,\"a\":2}", "{\"\u{FB33}\":1,\"\u{1F602}\":2}", "{ \"a\":1}", "[1, 2]", "[1,2] ", " 1",
        "\"\\/\"", "\"\\u0041\"", "\"\\u001F\"", "\"\\u0008\"", "\"\\u000a\"", "\"\u{1}\"", "-0", "1.0", "1e3", "1E3", "0.5", "01",
        "9007199254740992", "-9007199254740992", "12345678901234567", "\"\\ud83d\\ude02\"", "{\"a\\u0000\":1}", "tru", "nul", "",
        "[1,]", "{\"a\":1,}", "{\"a\"1}", "[", "\"abc", "{\"a\":1}}",
    ])
    func refused(_ text: String) {
        #expect(!CanonicalJSON.isCanonical(Array(text.utf8)), "\(text)")
    }

    @Test("invalid UTF-8 and overlong or surrogate encodings are refused, as the parser refuses them")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xC3], [0xE2, 0x82]] {
            #expect(!CanonicalJSON.isCanonical([0x22] + bytes + [0x22]), "\(bytes)")
        }
        #expect(CanonicalJSON.isCanonical(Array("\"\u{E9}\u{20AC}\u{1F602}\u{10FFFF}\"".utf8)))
    }

    @Test("the nesting limit is the parser's")
    func depth() {
        let limit = JSONParser().maximumDepth
        #expect(CanonicalJSON.isCanonical(Array((String(repeating: "[", count: limit) + String(repeating: "]", count: limit)).utf8)))
        #expect(!CanonicalJSON.isCanonical(Array((String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)).utf8)))
    }

    @Test("random edits of canonical documents: whatever is accepted is its own canonical form")
    func mutationsStaySound() throws {
        var generator = SplitMix64(seed: 2026_12_05_12)
        let base = Array("{\"a\":[1,-2,\"x\\\"y\\\\z\\u001f\",true,false,null],\"b\":{\"c\":\"caf\u{e9}\",\"d\":9007199254740991},\"e\":\"\u{1F602}\"}".utf8)
        #expect(CanonicalJSON.isCanonical(base))
        let pieces: [[UInt8]] = [[0x20], [0x2C], [0x22], [0x5C], [0x2F], [0x30], [0x2D], [0x2E], [0x65], [0x7B], [0x7D], [0x5B], [0x5D],
                                 [0x3A], [0x00], [0x1F], [0x75], [0x41], [0xC3], [0xA9], [0xF0], Array("\\u00".utf8), Array("\\ud83d".utf8)]
        for round in 0..<5000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let at = Int.random(in: 0...bytes.count, using: &generator)
                switch Int.random(in: 0...2, using: &generator) {
                case 0: bytes.insert(contentsOf: pieces.randomElement(using: &generator)!, at: at)
                case 1: if at < bytes.count { bytes.remove(at: at) }
                default: if at < bytes.count { bytes[at] = pieces.randomElement(using: &generator)![0] }
                }
            }
            expectSound(bytes, "round \(round)")
        }
    }

    @Test("RFC 8785's published outputs: accepted ones are their own canonical form", arguments: CanonicalJSONTests.vectorNames)
    func vectorOutputs(name: String) throws {
        let expected = try Data(contentsOf: URL(fileURLWithPath: "\(Repository.vectors)/output/\(name).json"))
        var bytes = [UInt8](expected)
        while bytes.last == 0x0A { bytes.removeLast() }
        expectSound(bytes, name)
    }
}
