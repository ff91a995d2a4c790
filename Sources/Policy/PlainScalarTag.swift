import Yams

/// The tag Yams's default resolver (`Resolver.default`, YAML 1.1's implicit types) gives a plain
/// scalar, found without NSRegularExpression: each of its seven rules (bool, int, float, merge,
/// null, timestamp, value; the first that matches wins, else str) is matched on the bytes by
/// hand. Resolving a policy's few hundred scalars with the regular expressions cost about 26
/// million instructions at every start of `audit` and `check`, as much as reading 500 processes.
/// The tests compare it with `Resolver.default` on every rule's edge cases and random strings.
enum PlainScalarTag: Equatable {
    case bool, int, float, merge, null, timestamp, value, str

    /// The tag name, as Yams names it.
    var name: Tag.Name {
        switch self {
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        case .merge: return .merge
        case .null: return .null
        case .timestamp: return .timestamp
        case .value: return .value
        case .str: return .str
        }
    }

    static func of(_ text: String) -> PlainScalarTag {
        let found = match(Array(text.utf8))
        if found != .str { return found }
        // ICU's `$` also matches before a line terminator that ends the input.
        var scalars = text.unicodeScalars
        guard let last = scalars.last else { return .str }
        switch last.value {
        case 0x0A:
            scalars.removeLast()
            if scalars.last?.value == 0x0D { scalars.removeLast() }  // \r\n is one terminator
        case 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: scalars.removeLast()
        default: return .str
        }
        return match(Array(String(scalars).utf8))
    }

    private static func match(_ b: [UInt8]) -> PlainScalarTag {
        if isBool(b) { return .bool }
        if isInt(b) { return .int }
        if isFloat(b) { return .float }
        if b == [60, 60] { return .merge }
        if isNull(b) { return .null }
        if isTimestamp(b) { return .timestamp }
        if b == [61] { return .value }
        return .str
    }

    private static let bools: Set<[UInt8]> = Set(["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"].map { Array($0.utf8) })
    private static let nulls: Set<[UInt8]> = Set(["~", "null", "Null", "NULL", ""].map { Array($0.utf8) })

    static func isBool(_ b: [UInt8]) -> Bool { b.count <= 5 && bools.contains(b) }
    static func isNull(_ b: [UInt8]) -> Bool { b.count <= 4 && nulls.contains(b) }

    @inline(__always) static func digit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    /// Index after an optional sign.
    @inline(__always) static func sign(_ b: [UInt8], _ i: Int) -> Int { i < b.count && (b[i] == 43 || b[i] == 45) ? i + 1 : i }

    /// Index after a run of bytes in `set` starting at i (possibly empty).
    @inline(__always) static func run(_ b: [UInt8], _ i: Int, _ set: (UInt8) -> Bool) -> Int {
        var i = i
        while i < b.count && set(b[i]) { i += 1 }
        return i
    }

    /// `(?::[0-5]?[0-9])+` from i: the index after it, nil when not at least one group.
    static func sexagesimal(_ b: [UInt8], _ i: Int) -> Int? {
        var i = i, groups = 0
        while i < b.count && b[i] == 58 {
            let start = i + 1
            let end = run(b, start, digit)
            // [0-5]?[0-9] takes one or two digits; with two the first is 0-5. More digits: the
            // group takes two (or one) and what follows must be another group or the end.
            if end - start == 0 { return groups > 0 ? i : nil }
            if end - start >= 2 && b[start] <= 53 {
                i = start + 2
            } else {
                i = start + 1
            }
            groups += 1
            if i < end { return i }  // digits left over: not ':' next, the caller fails on them
        }
        return groups > 0 ? i : nil
    }

    static func isInt(_ b: [UInt8]) -> Bool {
        let n = b.count
        let s = sign(b, 0)
        guard s < n else { return false }
        // 0b[0-1_]+
        if n - s >= 3 && b[s] == 48 && b[s + 1] == 98 && run(b, s + 2, { $0 == 48 || $0 == 49 || $0 == 95 }) == n { return true }
        // 0o?[0-7_]+
        if b[s] == 48 {
            var i = s + 1
            if i < n && b[i] == 111 { i += 1 }
            if i < n && run(b, i, { ($0 >= 48 && $0 <= 55) || $0 == 95 }) == n { return true }
        }
        // 0 | [1-9][0-9_]*
        if n - s == 1 && b[s] == 48 { return true }
        if b[s] >= 49 && b[s] <= 57 {
            let end = run(b, s + 1, { digit($0) || $0 == 95 })
            if end == n { return true }
            // [1-9][0-9_]*(?::[0-5]?[0-9])+
            if let after = sexagesimal(b, end), after == n { return true }
        }
        // 0x[0-9a-fA-F_]+
        if n - s >= 3 && b[s] == 48 && b[s + 1] == 120
            && run(b, s + 2, { digit($0) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) || $0 == 95 }) == n { return true }
        return false
    }

    static func isFloat(_ b: [UInt8]) -> Bool {
        let n = b.count
        guard n > 0 else { return false }
        let s = sign(b, 0)
        // [-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
        if s < n && digit(b[s]) {
            var i = run(b, s + 1, { digit($0) || $0 == 95 })
            let integerEnd = i
            if i < n && b[i] == 46 { i = run(b, i + 1, { digit($0) || $0 == 95 }) }
            if i < n && (b[i] == 101 || b[i] == 69) {
                let e = sign(b, i + 1)
                let end = run(b, e, digit)
                if end > e { i = end }
            }
            if i == n { return true }
            // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
            if let after = sexagesimal(b, integerEnd), after < n, b[after] == 46, run(b, after + 1, { digit($0) || $0 == 95 }) == n {
                return true
            }
        }
        // \.[0-9_]+(?:[eE][-+][0-9]+)?
        if b[0] == 46 {
            let end = run(b, 1, { digit($0) || $0 == 95 })
            if end > 1 {
                if end == n { return true }
                if b[end] == 101 || b[end] == 69, end + 1 < n, b[end + 1] == 43 || b[end + 1] == 45 {
                    let digits = run(b, end + 2, digit)
                    if digits > end + 2 && digits == n { return true }
                }
            }
        }
        // [-+]?\.(?:inf|Inf|INF)
        if n - s == 4 && b[s] == 46 {
            let word = Array(b[(s + 1)...])
            if word == Array("inf".utf8) || word == Array("Inf".utf8) || word == Array("INF".utf8) { return true }
        }
        // \.(?:nan|NaN|NAN)
        if n == 4 && b[0] == 46 {
            let word = Array(b[1...])
            if word == Array("nan".utf8) || word == Array("NaN".utf8) || word == Array("NAN".utf8) { return true }
        }
        return false
    }

    static func isTimestamp(_ b: [UInt8]) -> Bool {
        let n = b.count
        guard n >= 8, digit(b[0]), digit(b[1]), digit(b[2]), digit(b[3]), b[4] == 45 else { return false }
        // [0-9]{4}-[0-9][0-9]-[0-9][0-9]
        if n == 10 && digit(b[5]) && digit(b[6]) && b[7] == 45 && digit(b[8]) && digit(b[9]) { return true }
        // [0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
        //   (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
        var i = 5
        func oneOrTwoDigits() -> Bool {
            guard i < n, digit(b[i]) else { return false }
            i += 1
            if i < n && digit(b[i]) { i += 1 }
            return true
        }
        func twoDigits() -> Bool {
            guard i + 1 < n, digit(b[i]), digit(b[i + 1]) else { return false }
            i += 2
            return true
        }
        func byte(_ c: UInt8) -> Bool {
            guard i < n, b[i] == c else { return false }
            i += 1
            return true
        }
        guard oneOrTwoDigits(), byte(45), oneOrTwoDigits() else { return false }
        if i < n && (b[i] == 84 || b[i] == 116) {
            i += 1
        } else {
            let start = i
            i = run(b, i, { $0 == 32 || $0 == 9 })
            guard i > start else { return false }
        }
        guard oneOrTwoDigits(), byte(58), twoDigits(), byte(58), twoDigits() else { return false }
        if i < n && b[i] == 46 { i = run(b, i + 1, digit) }
        if i == n { return true }
        i = run(b, i, { $0 == 32 || $0 == 9 })
        if byte(90) { return i == n }
        guard i < n, b[i] == 43 || b[i] == 45 else { return false }
        i += 1
        guard oneOrTwoDigits() else { return false }
        if i == n { return true }
        guard byte(58), twoDigits() else { return false }
        return i == n
    }
}
