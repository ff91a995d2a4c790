import TestSupport
import Testing
import Yams
@testable import Policy

/// `PlainScalarTag` resolves a plain scalar as Yams's `Resolver.default` does (its regular
/// expressions are the reference): on every rule's edge cases and on random strings made of the
/// pieces those rules look at.
@Suite struct PlainScalarTagTests {
    static func reference(_ text: String) -> Yams.Tag.Name {
        Resolver.default.resolveTag(of: Node.scalar(Node.Scalar(text)))
    }

    @Test func edgeCasesOfEveryRule() {
        let cases = [
            "", "~", "null", "Null", "NULL", "nul", "yes", "Yes", "YES", "yEs", "no", "on", "OFF", "true", "False", "y",
            "1", "-1", "+0", "0", "00", "0o17", "0o", "0o8", "0b101", "0b", "0b2", "0x1F", "0x", "0xg", "1_000", "-0_1",
            "1:30", "1:30:45", "190:20:30", "1:75", "1:5", "1:", "0:30", "1.5", ".5", "._", ".5e+3", ".5e3", "1e5",
            "1.e5", "1e", "1e+", "-1.5E-3", "1:30.5", "1:305.", "1:30.", "-.inf", "+.INF", ".Inf", ".NaN", ".nan",
            "-.nan", "2001-12-14", "2001-12-1", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
            "2001-12-15 2:59:43.10", "2001-12-15\t \t2:59:43", "2001-1-1T1:00:00", "2001-1-1T1:00:00Z",
            "2001-1-1T1:00:00 Z", "2001-1-1T1:00:00 ", "2001-1-1T1:00:00+123", "2001-1-1T1:00:00+12:3",
            "2001-1-1T1:00:00.", "2001-1-1T100:00:00", "<<", "<", "=", "==", "ISO-UID", "payload uid differs",
            "yes\n", "yes\r\n", "yes\r", "yes\u{2028}", "yes\u{85}", "1\n", "0x1f\r", "12:34:56\u{2029}", "yes\n\n",
            "é", "1é", "１",
        ]
        for text in cases {
            #expect(PlainScalarTag.of(text).name == Self.reference(text), "\(text.debugDescription)")
        }
    }

    @Test func randomStringsOfTheRulesPieces() {
        var generator = SplitMix64(seed: 2026_12_05)
        let pieces = ["0", "1", "2", "5", "6", "7", "9", "_", "-", "+", ".", ":", "e", "E", "x", "b", "o", "T", "t", " ",
                      "\t", "Z", "n", "a", "N", "i", "f", "y", "s", "<", "~", "=", "l", "u", "\n", "\r", "\u{2028}", "é",
                      "inf", "nan", "NAN", "Inf", ".inf", "true", "null", "2001", "-12-", "14", "59", "60", "00:", "1:",
                      "30.", "yes", "On", "OFF", "2001-12-14", "T21:59:43", " 21:59:43.10", "-05:00", " Z"]
        var resolved: [Yams.Tag.Name: Int] = [:]
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...6, using: &generator) { text += pieces.randomElement(using: &generator)! }
            let expected = Self.reference(text)
            resolved[expected, default: 0] += 1
            #expect(PlainScalarTag.of(text).name == expected, "\(text.debugDescription)")
        }
        // Every rule was met by the random strings, not only str.
        for tag in [Yams.Tag.Name.bool, .int, .float, .null, .timestamp, .str] {
            #expect(resolved[tag, default: 0] > 0, "no random string resolved to \(tag)")
        }
    }
}
