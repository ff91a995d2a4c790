import Base
import Testing

/// The one escaping rule for text output (issue 21, finding 4).
struct PrintableTextTests {
    /// The hostile strings of issue 21 (finding 4): a screen clear, an OSC 52 clipboard write, an
    /// OSC 0 window title, C1 CSI, forged lines and a bidi override all come out as visible escapes.
    /// (Not parameterised: the test runner would print the raw arguments to the terminal.)
    @Test func controlsArePrintedEscaped() {
        let cases: [(raw: String, expected: String)] = [
            ("\u{1B}[2J\u{1B}[H", "\\x1b[2J\\x1b[H"),
            ("\u{1B}]52;c;ZXZpbA==\u{07}", "\\x1b]52;c;ZXZpbA==\\x07"),
            ("\u{1B}]0;pwned\u{1B}\\", "\\x1b]0;pwned\\x1b\\"),
            ("42\nJOB 7700000009  task 1  ISOLATED", "42\\nJOB 7700000009  task 1  ISOLATED"),
            ("a\r\tb\u{0}\u{7F}", "a\\r\\tb\\x00\\x7f"),
            ("\u{9B}2J\u{85}", "\\x9b2J\\x85"),
            ("user\u{202E}gnp.exe\u{2066}x\u{2069}\u{2028}", "user\\u{202e}gnp.exe\\u{2066}x\\u{2069}\\u{2028}"),
        ]
        for (raw, expected) in cases {
            let shown = PrintableText.escape(raw)
            #expect(shown == expected, "\(raw.debugDescription) -> \(shown.debugDescription)")
        }
    }

    @Test(arguments: ["", "plain /work/PanDA_Pilot-4267387837", "café ü 😀 日本", "a\\x1b stays text", "/DC=ch/CN=Jane Doe"])
    func printableTextIsKept(text: String) {
        #expect(PrintableText.escape(text) == text)
    }

    /// Every scalar that can move the cursor, end a line or switch the terminal's mode is escaped.
    @Test func nothingPrintedEscapedHoldsAControl() {
        for value in Array(0..<0x20) + Array(0x7F...0x9F) + [0x061C, 0x200B, 0x200E, 0x200F, 0xFEFF, 0xFFFE, 0x1FFFF] + Array(0x2028...0x202E) + Array(0x2066...0x2069) {
            let scalar = Unicode.Scalar(UInt32(value))!
            let shown = PrintableText.escape("x\(Character(scalar))y")
            #expect(!shown.unicodeScalars.contains { PrintableText.needsEscape($0) }, "U+\(String(value, radix: 16)) -> \(shown.debugDescription)")
            #expect(shown.hasPrefix("x\\") && shown.hasSuffix("y"))
        }
    }
}
