/// ECMAScript's Number::toString (ECMA-262 §6.1.6.1.20), which RFC 8785 §3.2.2.3 prescribes for
/// JSON numbers: the shortest digits that round-trip, written as an integer up to 21 digits, as a
/// decimal fraction down to 1e-6, else in exponent form (`1e+21`, `5e-324`, `1.5e-7`).
///
/// The digits come from Swift's `description`, which prints the shortest round-tripping digits,
/// closest to the exact value when several are shortest (as ECMAScript asks); only the layout is
/// done here.
public enum ECMAScriptNumber {
    public struct NonFiniteError: Error, CustomStringConvertible {
        public var value: Double
        public var description: String { "\(value) has no JSON representation (RFC 8785 §3.2.2.3)" }
    }

    public static func string(_ value: Double) throws(NonFiniteError) -> String {
        guard value.isFinite else { throw NonFiniteError(value: value) }
        if value == 0 { return "0" }  // also -0
        // Integers below 2^53 (seq, PIDs, uids, counters: almost every number of a record) are
        // their own shortest round-trip digits, written out in full.
        if abs(value) < 9_007_199_254_740_992, value == value.rounded(.towardZero) { return String(Int64(value)) }
        let (digits, n) = decimalDigits(of: abs(value))
        let k = digits.count
        let sign = value < 0 ? "-" : ""
        if k <= n && n <= 21 {
            return sign + digits + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return sign + digits.prefix(n) + "." + digits.dropFirst(n)
        }
        if -6 < n && n <= 0 {
            return sign + "0." + String(repeating: "0", count: -n) + digits
        }
        let exponent = n - 1
        let exponentText = (exponent < 0 ? "-" : "+") + String(abs(exponent))
        let mantissa = k == 1 ? digits : digits.prefix(1) + "." + digits.dropFirst()
        return sign + mantissa + "e" + exponentText
    }

    /// The shortest digits `s` (no leading or trailing zeros) and the exponent `n` with
    /// value = 0.s × 10^n, read from Swift's shortest round-trip description (`1.5e-07`, `0.001`).
    static func decimalDigits(of value: Double) -> (digits: String, n: Int) {
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1])! : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1)
        let integerPart = mantissa[0]
        let fraction = mantissa.count == 2 ? mantissa[1] : ""
        var digits = Substring(integerPart + fraction)
        var pointPosition = integerPart.count
        while digits.first == "0" {
            digits = digits.dropFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits = digits.dropLast() }
        return (String(digits), pointPosition + exponent)
    }
}
