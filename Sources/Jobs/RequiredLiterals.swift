/// The ASCII runs every match of a regular expression must contain, read from its text: a cheap
/// test that rules a string out before the expression runs (`BatchCgroupPattern.match`). A Swift
/// Regex costs tens of thousands of instructions a match; almost no cgroup path of a node is a
/// batch job's, and each pattern names literals (`/job_`, `/htcondor/`) the path lacks.
///
/// Conservative: a run is kept only where the expression cannot skip it (not under a quantifier
/// that allows zero, not in an alternation, not in a lookaround), and any syntax not understood
/// here (flags such as `(?i)`, `\Q`, `\p{...}`, nested classes, non-ASCII) yields no runs, so the
/// expression always runs. Only for ASCII text: Swift matches Characters with canonical
/// equivalence (U+212A KELVIN SIGN equals `K`), so a string with a non-ASCII byte is never ruled
/// out by bytes.
struct RequiredLiterals: Sendable, Equatable {
    /// Each run, as bytes; empty when the expression names none (or was not understood).
    let runs: [[UInt8]]

    init(pattern: String) {
        var reader = Reader(scalars: Array(pattern.unicodeScalars))
        let found = reader.sequence(depth: 0)
        runs = (found.understood && reader.atEnd && !found.alternation) ? found.runs.filter { !$0.isEmpty } : []
    }

    /// False only when `text` (all ASCII) lacks one of the runs; true when it may match.
    func mayMatch(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !runs.isEmpty else { return true }
        for byte in text where byte >= 0x80 { return true }
        for run in runs where !Self.contains(text, run) { return false }
        return true
    }

    static func contains(_ text: UnsafeBufferPointer<UInt8>, _ run: [UInt8]) -> Bool {
        guard run.count <= text.count else { return false }
        let first = run[0]
        var start = 0
        while start + run.count <= text.count {
            if text[start] == first {
                var offset = 1
                while offset < run.count && text[start + offset] == run[offset] { offset += 1 }
                if offset == run.count { return true }
            }
            start += 1
        }
        return false
    }

    /// What a sequence (the whole expression, or a group's inside) requires.
    struct Found {
        var runs: [[UInt8]] = []
        var alternation = false
        var understood = true
    }

    /// A recursive reader of the traditional regex syntax's common subset.
    struct Reader {
        let scalars: [Unicode.Scalar]
        var index = 0

        var atEnd: Bool { index == scalars.count }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        /// Items up to the `)` closing this depth (not consumed) or the end.
        mutating func sequence(depth: Int) -> Found {
            var found = Found()
            var run: [UInt8] = []
            // Whether the last item was a literal byte still at the end of `run` (a quantifier
            // after it takes it back out).
            var lastWasLiteral = false
            var hasItem = false
            func endRun() {
                if !run.isEmpty { found.runs.append(run) }
                run = []
            }
            func giveUp() -> Found {
                index = scalars.count
                return Found(understood: false)
            }
            while let scalar = peek() {
                switch scalar {
                case ")":
                    if depth == 0 { return giveUp() }
                    endRun()
                    return found
                case "|":
                    index += 1
                    found.alternation = true
                    endRun(); lastWasLiteral = false; hasItem = false
                case "(":
                    index += 1
                    guard groupHeader() else { return giveUp() }
                    let inner = sequence(depth: depth + 1)
                    guard inner.understood, peek() == ")" else { return giveUp() }
                    index += 1
                    endRun()
                    guard let allowsZero = quantifier() else { return giveUp() }
                    if allowsZero != true && !inner.alternation { found.runs += inner.runs }
                    lastWasLiteral = false; hasItem = true
                case "*", "+", "?", "{":
                    guard hasItem else { return giveUp() }
                    guard let allowsZero = quantifier(), allowsZero != nil else { return giveUp() }
                    if lastWasLiteral { run.removeLast() }
                    endRun(); lastWasLiteral = false
                case "[":
                    index += 1
                    guard skipClass() else { return giveUp() }
                    endRun(); lastWasLiteral = false; hasItem = true
                case "\\":
                    guard let next = peek(1), next.isASCII else { return giveUp() }
                    index += 2
                    if next.properties.isAlphabetic || ("0"..."9").contains(next) {
                        if "dDwWsShHvV".unicodeScalars.contains(next) {
                            hasItem = true
                        } else if "bBAzZG".unicodeScalars.contains(next) {
                            hasItem = false
                        } else {
                            return giveUp()
                        }
                        endRun(); lastWasLiteral = false
                    } else if next.value > 0x20 && next.value < 0x7F {
                        run.append(UInt8(next.value)); lastWasLiteral = true; hasItem = true
                    } else {
                        return giveUp()
                    }
                case ".":
                    index += 1
                    endRun(); lastWasLiteral = false; hasItem = true
                case "^", "$":
                    index += 1
                    endRun(); lastWasLiteral = false; hasItem = false
                default:
                    guard scalar.value >= 0x20 && scalar.value < 0x7F else { return giveUp() }
                    index += 1
                    run.append(UInt8(scalar.value)); lastWasLiteral = true; hasItem = true
                }
            }
            if depth > 0 { return giveUp() }
            endRun()
            return found
        }

        /// After `(`: `?:`, `?<name>`, `?P<name>`, `?'name'` or a plain group; false for any
        /// other `(?` (flags, lookarounds, atomic groups, comments, ...).
        mutating func groupHeader() -> Bool {
            guard peek() == "?" else { return true }
            switch peek(1) {
            case ":":
                index += 2
                return true
            case "<", "'":
                let close: Unicode.Scalar = peek(1) == "<" ? ">" : "'"
                guard let first = peek(2), first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
                index += 2
                return skipName(until: close)
            case "P":
                guard peek(2) == "<" else { return false }
                index += 3
                return skipName(until: ">")
            default:
                return false
            }
        }

        mutating func skipName(until close: Unicode.Scalar) -> Bool {
            while let scalar = peek() {
                index += 1
                if scalar == close { return true }
                guard scalar == "_" || (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))) else { return false }
            }
            return false
        }

        /// An optional quantifier after an item: nil when there is none (`.some(nil)`), whether
        /// it allows zero repetitions, or nil (outer) when it is not understood. A lazy `?` or
        /// possessive `+` suffix is consumed.
        mutating func quantifier() -> Bool?? {
            let allowsZero: Bool
            switch peek() {
            case "*", "?":
                allowsZero = true
                index += 1
            case "+":
                allowsZero = false
                index += 1
            case "{":
                var digits = index + 1
                var minimum = ""
                while digits < scalars.count, ("0"..."9").contains(scalars[digits]) {
                    minimum.unicodeScalars.append(scalars[digits]); digits += 1
                }
                guard !minimum.isEmpty, digits < scalars.count else { return nil }
                if scalars[digits] == "," {
                    digits += 1
                    while digits < scalars.count, ("0"..."9").contains(scalars[digits]) { digits += 1 }
                }
                guard digits < scalars.count, scalars[digits] == "}" else { return nil }
                allowsZero = Int(minimum) == 0
                index = digits + 1
            default:
                return .some(nil)
            }
            if peek() == "?" || peek() == "+" { index += 1 }
            if let next = peek(), "*+?{".unicodeScalars.contains(next) { return nil }
            return .some(allowsZero)
        }

        /// Past a `[...]` class; false for a nested `[` (POSIX classes, set operations).
        mutating func skipClass() -> Bool {
            if peek() == "^" { index += 1 }
            if peek() == "]" { index += 1 }
            while let scalar = peek() {
                index += 1
                switch scalar {
                case "]": return true
                case "[": return false
                case "\\":
                    guard peek() != nil else { return false }
                    index += 1
                default: continue
                }
            }
            return false
        }
    }
}
