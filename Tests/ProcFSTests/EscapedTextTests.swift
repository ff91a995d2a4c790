import Testing
@testable import ProcFS

@Suite struct EscapedTextTests {
    @Test(arguments: ["", "plain ascii", "café ü 😀", "a\\b", "tab\there", "nul\u{0}inside"])
    func validUTF8IsKeptAsItIs(text: String) {
        #expect(EscapedText.decode(bytes(text)) == text)
    }

    @Test(arguments: [
        ([0xFF] as [UInt8], "\\xff"),
        ([0x61, 0xFF, 0x5C], "a\\xff\\\\"),  // with an invalid byte present, backslashes are doubled
        ([0x63, 0x61, 0x66, 0xC3, 0xA9, 0xFF], "café\\xff"),  // valid sequences around it survive
        ([0xC3], "\\xc3"),  // truncated two-byte sequence
        ([0x61, 0xE2, 0x82], "a\\xe2\\x82"),  // truncated three-byte sequence
        ([0xC0, 0xAF], "\\xc0\\xaf"),  // overlong encoding of '/'
        ([0xED, 0xA0, 0x80], "\\xed\\xa0\\x80"),  // UTF-16 surrogate
        ([0xF4, 0x90, 0x80, 0x80], "\\xf4\\x90\\x80\\x80"),  // above U+10FFFF
        ([0xF0, 0x9F, 0x98, 0x80, 0x80], "😀\\x80"),  // stray continuation byte
    ])
    func invalidBytesAreEscaped(raw: [UInt8], expected: String) {
        #expect(EscapedText.decode(bytes(raw)) == expected)
    }

    /// For input that is not UTF-8 the escaping is reversible: `\\` is a backslash, `\xNN` a byte.
    @Test func escapedInvalidInputCanBeRecovered() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var checked = 0
        for _ in 0..<500 {
            // Biased towards backslashes, 'x', hex digits and high bytes.
            let raw: [UInt8] = (0...Int(next() % 24)).map { _ in
                let r = next()
                return [0x5C, 0x78, 0x41, UInt8(truncatingIfNeeded: r >> 8)][Int(r % 4)]
            }
            guard String(validating: raw, as: UTF8.self) == nil else { continue }
            #expect(unescape(EscapedText.decode(bytes(raw))) == raw, "\(raw)")
            checked += 1
        }
        #expect(checked > 100)
    }

    private func unescape(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < utf8.count {
            if utf8[i] == 0x5C, i + 1 < utf8.count, utf8[i + 1] == 0x5C {
                out.append(0x5C); i += 2
            } else if utf8[i] == 0x5C, i + 3 < utf8.count, utf8[i + 1] == 0x78,
                      let byte = UInt8(String(decoding: utf8[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) {
                out.append(byte); i += 4
            } else {
                out.append(utf8[i]); i += 1
            }
        }
        return out
    }
}
