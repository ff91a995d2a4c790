import Glibc

/// Removes credentials from command lines before they are stored, printed or signed.
///
/// Users and pilots pass tokens on command lines (`--token X`, `PANDA_AUTH_TOKEN=X` inside a
/// `bash -c` string, `https://user:pw@host`, bearer tokens, JWTs). isotrace records command lines
/// as evidence that outlives the job, so anything that looks like a secret is replaced by
/// `<redacted>`: a false positive costs a little detail, a false negative leaks a credential.
///
/// The sampler calls this for every process, so it works on UTF-8 bytes: a first test of each
/// argument (`ArgumentTriggers`) finds which rules could apply at all, only those rules run, and
/// each jumps from one candidate byte to the next.
/// The rules are those of the earlier `Unicode.Scalar` implementation, applied in the same order
/// with the same results byte for byte (the test target keeps that implementation as the
/// reference and compares both on random argv). Text that is not ASCII keeps the `String`
/// operations (case mapping, grapheme clusters) wherever the reference used them.
public enum SecretRedactor {
    public static let marker = "<redacted>"

    /// Words that mark a name (of a flag or a variable) as naming a secret. Matched case-insensitively
    /// as substrings, so `PANDA_AUTH_TOKEN`, `--access-token`, `db_password` all count.
    static let secretWords = ["token", "passwd", "password", "secret", "apikey", "api_key", "api-key",
                              "credential", "private_key", "private-key", "access_key", "access-key",
                              "cookie", "session_key", "auth"]

    public static func redact(_ argv: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(argv.count)
        var scratch = RedactionBuffer()
        var hideNext = false
        for argument in argv {
            let triggers = ArgumentTriggers(argument)
            let flag = triggers.isASCII ? triggers.startsWithDash : argument.hasPrefix("-")
            if hideNext && !flag {
                result.append(marker)
                hideNext = false
                continue
            }
            hideNext = false
            if flag, !(triggers.isASCII ? triggers.contains(.equals) : argument.contains("=")), namesSecret(argument) {
                hideNext = true
                result.append(argument)
                continue
            }
            result.append(redactText(argument, triggers, &scratch))
        }
        return result
    }

    /// The sampler's path: a whole `/proc/<pid>/cmdline` (each argument followed by a NUL; the
    /// last NUL may be missing) redacted as `redact` would redact its decoded arguments, without
    /// a `String` per argument until the result. nil when the bytes are not all ASCII: such a
    /// command line takes the `String` path (escaping, Unicode case mapping), which is rare.
    static func redact(commandLine bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
        guard ASCIIScan.isASCII(bytes) else { return nil }
        guard let base = bytes.baseAddress else { return [] }
        var result: [String] = []
        result.reserveCapacity(8)
        var scratch = RedactionBuffer()
        var lineTriggers = CommandLineTriggers(base, count: bytes.count)
        var hideNext = false
        var start = 0
        while start < bytes.count {
            var end = bytes.count
            if let nul = memchr(base + start, 0, bytes.count - start) { end = base.distance(to: nul.assumingMemoryBound(to: UInt8.self)) }
            let argument = UnsafeBufferPointer(start: base + start, count: end - start)
            let triggers = lineTriggers.triggers(start, end)
            start = end + 1
            if hideNext && !triggers.startsWithDash {
                result.append(marker)
                hideNext = false
                continue
            }
            hideNext = false
            if triggers.startsWithDash, !triggers.contains(.equals), asciiNamesSecret(argument) {
                hideNext = true
                result.append(String(decoding: argument, as: UTF8.self))
                continue
            }
            // `--maxEvents=500`: only the assignment rule applies, and no name before a `=` names
            // a secret, so nothing would be written; that is checked in place, without a copy.
            guard asciiMayHoldSecret(triggers, { asciiNamesSecret(argument) }), triggers.mayChange,
                  !triggers.onlyAssignments || asciiAssignmentNamesSecret(argument) else {
                result.append(String(decoding: argument, as: UTF8.self))
                continue
            }
            scratch.load(argument)
            applyRules(triggers, &scratch)
            result.append(scratch.changed ? scratch.text() : String(decoding: argument, as: UTF8.self))
        }
        return result
    }

    static func namesSecret(_ name: some StringProtocol) -> Bool {
        if let found = ASCIIScan.withASCII(name, asciiNamesSecret) { return found }
        let lowered = name.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    /// `namesSecret` on UTF-8 bytes: ASCII is searched in place, other text as a `String`.
    static func namesSecret(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard ASCIIScan.isASCII(bytes) else { return namesSecret(String(decoding: bytes, as: UTF8.self)) }
        return asciiNamesSecret(bytes)
    }

    /// `namesSecret` on ASCII bytes in one pass: at each byte, only the words starting with its
    /// letter are compared (every secret word starts with t, p, s, a or c). Any other byte costs
    /// a fold, a range check and a bit test, read through the pointer (the loop runs over every
    /// flag and every name before a `=` of a command line).
    static func asciiNamesSecret(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        // Bits of a, c, p, s and t, by their offset from `a`.
        let firstLetters: UInt32 = 1 << 0 | 1 << 2 | 1 << 15 | 1 << 18 | 1 << 19
        for index in 0..<bytes.count {
            // `| 0x20` lowers a letter, and makes no other byte a lower-case letter.
            let offset = (base[index] | 0x20) &- UInt8(ascii: "a")
            if offset < 26 && (firstLetters >> UInt32(offset)) & 1 != 0 && secretWordStarts(bytes, at: index) { return true }
        }
        return false
    }

    /// Whether a secret word starts at `index` (its byte is a, c, p, s or t in either case): the
    /// second letter picks the words to compare (every secret word has four letters or more).
    private static func secretWordStarts(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 1 < bytes.count else { return false }
        let second = ASCIIScan.lower(bytes[index + 1])
        switch ASCIIScan.lower(bytes[index]) {
        case UInt8(ascii: "t"):
            return second == UInt8(ascii: "o") && ASCIIScan.hasFolded(bytes, at: index, "token")
        case UInt8(ascii: "p"):
            if second == UInt8(ascii: "a") {
                return ASCIIScan.hasFolded(bytes, at: index, "passwd") || ASCIIScan.hasFolded(bytes, at: index, "password")
            }
            return second == UInt8(ascii: "r")
                && (ASCIIScan.hasFolded(bytes, at: index, "private_key") || ASCIIScan.hasFolded(bytes, at: index, "private-key"))
        case UInt8(ascii: "s"):
            return second == UInt8(ascii: "e")
                && (ASCIIScan.hasFolded(bytes, at: index, "secret") || ASCIIScan.hasFolded(bytes, at: index, "session_key"))
        case UInt8(ascii: "a"):
            switch second {
            case UInt8(ascii: "u"): return ASCIIScan.hasFolded(bytes, at: index, "auth")
            case UInt8(ascii: "p"):
                return ASCIIScan.hasFolded(bytes, at: index, "apikey") || ASCIIScan.hasFolded(bytes, at: index, "api_key")
                    || ASCIIScan.hasFolded(bytes, at: index, "api-key")
            case UInt8(ascii: "c"):
                return ASCIIScan.hasFolded(bytes, at: index, "access_key") || ASCIIScan.hasFolded(bytes, at: index, "access-key")
            default: return false
            }
        case UInt8(ascii: "c"):
            if second == UInt8(ascii: "r") { return ASCIIScan.hasFolded(bytes, at: index, "credential") }
            return second == UInt8(ascii: "o") && ASCIIScan.hasFolded(bytes, at: index, "cookie")
        default:
            return false
        }
    }

    /// Redacts secrets inside one argument, which may be a whole shell command (`bash -c "..."`).
    static func redactText(_ text: String) -> String {
        var scratch = RedactionBuffer()
        return redactText(text, ArgumentTriggers(text), &scratch)
    }

    private static func redactText(_ text: String, _ triggers: ArgumentTriggers, _ scratch: inout RedactionBuffer) -> String {
        guard mayHoldSecret(text, triggers), triggers.mayChange else { return text }
        scratch.load(text.utf8)
        applyRules(triggers, &scratch)
        // Most candidates hold nothing secret: then nothing was written and the text is kept as it was.
        guard scratch.changed else { return text }
        return scratch.text(unlessEqualTo: text)
    }

    /// The rules that `triggers` says could apply, in their fixed order, on the loaded bytes.
    private static func applyRules(_ triggers: ArgumentTriggers, _ scratch: inout RedactionBuffer) {
        if triggers.contains(.dashAfterBlank) { redactFlagValues(&scratch) }
        if triggers.contains(.equals) { redactAssignments(&scratch) }
        if triggers.contains(.colon) && triggers.contains(.quote) { redactJSONPairs(&scratch) }
        if triggers.contains(.bearer) { redactBearer(&scratch) }
        if triggers.contains(.schemeSlashes) { redactURLPasswords(&scratch) }
        if triggers.contains(.eyJ) { redactJWTs(&scratch) }
    }

    /// The cheap first test: ordinary arguments stop here.
    private static func mayHoldSecret(_ text: String, _ triggers: ArgumentTriggers) -> Bool {
        if triggers.isASCII { return asciiMayHoldSecret(triggers) { ASCIIScan.withASCII(text, asciiNamesSecret) ?? false } }
        return text.contains("=") || text.contains("@") || text.contains("eyJ") || text.lowercased().contains("bearer")
            || text.contains(":") || ((text.contains(" -") || text.contains("\t-")) && namesSecret(text))
    }

    /// `mayHoldSecret` on ASCII text; `namesSecret` tells whether the text names a secret.
    @inline(__always)
    private static func asciiMayHoldSecret(_ triggers: ArgumentTriggers, _ namesSecret: () -> Bool) -> Bool {
        if triggers.contains(.equals) || triggers.contains(.at) || triggers.contains(.colon)
            || triggers.contains(.eyJ) || triggers.contains(.bearerWord) { return true }
        // A flag after a tab counts too (`sh -c "run<TAB>--token X"`): the old test looked only after a space.
        guard triggers.contains(.dashAfterBlank) else { return false }
        return namesSecret()
    }

    @inline(__always)
    private static func isASCIINameByte(_ v: UInt8) -> Bool {
        (v >= 65 && v <= 90) || (v >= 97 && v <= 122) || (v >= 48 && v <= 57) || v == 95 || v == 45 || v == 46
    }

    @inline(__always)
    static func isValueEnd(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 10 || byte == 59 || byte == 38 || byte == 124  // space \t \n ; & |
    }

    /// `--token X` inside one argument that is a whole shell command (`bash -c "run --token X"`).
    private static func redactFlagValues(_ text: inout RedactionBuffer) {
        var index = 0
        while index < text.count {
            index = text.next(UInt8(ascii: "-"), from: index)
            guard index < text.count, index > 0, text[index - 1] == 32 || text[index - 1] == 9 else {
                index += 1
                continue
            }
            var end = index
            while end < text.count && !isValueEnd(text[end]) && text[end] != UInt8(ascii: "=") { end += 1 }
            guard end < text.count, text[end] == 32 || text[end] == 9,
                  text.withBytes(index..<end, namesSecret) else { index = end; continue }
            var value = end
            while value < text.count && (text[value] == 32 || text[value] == 9) { value += 1 }
            guard value < text.count, text[value] != UInt8(ascii: "-"), !isValueEnd(text[value]) else { index = value; continue }
            index = replaceValue(&text, from: value)
        }
    }

    /// `NAME=value` and `--name=value` where NAME names a secret.
    private static func redactAssignments(_ text: inout RedactionBuffer) {
        var index = 0
        while index < text.count {
            index = text.next(UInt8(ascii: "="), from: index)
            guard index < text.count else { break }
            let start = nameStart(text, before: index)
            guard start < index, text.withBytes(start..<index, namesSecret) else { index += 1; continue }
            index = replaceValue(&text, from: index + 1)
        }
    }

    /// Whether a name before some `=` in ASCII `bytes` names a secret: what `redactAssignments`
    /// looks for before it writes anything.
    private static func asciiAssignmentNamesSecret(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var offset = 0
        while offset < bytes.count, let hit = memchr(base + offset, Int32(UInt8(ascii: "=")), bytes.count - offset) {
            let equals = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            var start = equals
            while start > 0 && isASCIINameByte(base[start - 1]) { start -= 1 }
            if start < equals && asciiNamesSecret(UnsafeBufferPointer(rebasing: bytes[start..<equals])) { return true }
            offset = equals + 1
        }
        return false
    }

    /// Where the name ending at `end` starts: letters (Unicode alphabetic ones too), digits, `_`, `-`, `.`.
    private static func nameStart(_ text: RedactionBuffer, before end: Int) -> Int {
        var start = end
        while start > 0 {
            let byte = text[start - 1]
            if byte < 0x80 {
                guard isASCIINameByte(byte) else { break }
                start -= 1
                continue
            }
            // The last byte of a longer UTF-8 sequence: step back to its lead byte and decode the scalar.
            var lead = start - 1
            while lead > 0 && text[lead] & 0xC0 == 0x80 { lead -= 1 }
            guard let scalar = text.scalar(at: lead), scalar.properties.isAlphabetic else { break }
            start = lead
        }
        return start
    }

    /// `"NAME": "value"` in JSON passed as an argument (environments handed over as JSON blobs).
    private static func redactJSONPairs(_ text: inout RedactionBuffer) {
        let quote = UInt8(ascii: "\"")
        var index = 0
        while index < text.count {
            index = text.next(UInt8(ascii: ":"), from: index)
            guard index < text.count else { break }
            var close = index - 1
            while close >= 0 && text[close] == 32 { close -= 1 }
            guard close > 0, text[close] == quote else { index += 1; continue }
            var open = close - 1
            while open >= 0 && text[open] != quote { open -= 1 }
            guard open >= 0, text.withBytes((open + 1)..<close, namesSecret) else { index += 1; continue }
            var value = index + 1
            while value < text.count && text[value] == 32 { value += 1 }
            guard value < text.count, text[value] == quote else { index += 1; continue }
            var end = value + 1
            // A backslash escapes the next character; the bytes of a longer UTF-8 sequence are
            // never a quote or a backslash, so stepping over its first byte is enough.
            while end < text.count && text[end] != quote {
                end += text[end] == UInt8(ascii: "\\") ? 2 : 1
            }
            text.replace((value + 1)..<min(end, text.count))
            index = value + 1 + RedactionBuffer.markerBytes.count + 1
        }
    }

    /// Replaces the value starting at `start` (quoted or up to a word end); returns the index after it.
    private static func replaceValue(_ text: inout RedactionBuffer, from start: Int) -> Int {
        guard start < text.count else { return start }
        var end = start
        let first = text[start]
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            end = start + 1
            while end < text.count && text[end] != first { end += 1 }
            end = min(end + 1, text.count)
        } else {
            // An unquoted value inside a quoted string ends at that string's closing quote.
            while end < text.count && !isValueEnd(text[end]) && text[end] != UInt8(ascii: "\"") && text[end] != UInt8(ascii: "'") {
                end += 1
            }
        }
        guard end > start else { return start }
        text.replace(start..<end)
        return start + RedactionBuffer.markerBytes.count
    }

    /// `Bearer <token>` (HTTP Authorization headers passed to curl and friends).
    private static func redactBearer(_ text: inout RedactionBuffer) {
        let length = 6
        var index = 0
        while index + length < text.count {
            if text.hasFolded(at: index, "bearer"), text[index + length] == 32 {
                var valueStart = index + length
                while valueStart < text.count && text[valueStart] == 32 { valueStart += 1 }
                index = replaceValue(&text, from: valueStart)
            } else {
                index += 1
            }
        }
    }

    /// `scheme://user:password@host` keeps the user and hides the password.
    private static func redactURLPasswords(_ text: inout RedactionBuffer) {
        var index = 0
        while index + 3 <= text.count {
            index = text.next(UInt8(ascii: ":"), from: index)
            guard index + 2 < text.count,
                  text[index + 1] == UInt8(ascii: "/"), text[index + 2] == UInt8(ascii: "/") else {
                index += 1
                continue
            }
            let authorityStart = index + 3
            var end = authorityStart
            var at = -1
            while end < text.count && !isValueEnd(text[end]) && text[end] != UInt8(ascii: "/") {
                if text[end] == UInt8(ascii: "@") { at = end }
                end += 1
            }
            var colon = -1
            if at >= 0 {
                var probe = authorityStart
                while probe < at && text[probe] != UInt8(ascii: ":") { probe += 1 }
                if probe < at { colon = probe }
            }
            if colon >= 0, colon + 1 < at {
                text.replace((colon + 1)..<at)
                index = colon + 1 + RedactionBuffer.markerBytes.count
            } else {
                index = end
            }
        }
    }

    /// JSON Web Tokens (`eyJ<header>.<payload>.<signature>`), wherever they stand.
    private static func redactJWTs(_ text: inout RedactionBuffer) {
        func isBase64URL(_ b: UInt8) -> Bool {
            (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 45 || b == 95 || b == 61
        }
        var index = 0
        while index + 3 < text.count {
            guard text[index] == UInt8(ascii: "e"), text[index + 1] == UInt8(ascii: "y"), text[index + 2] == UInt8(ascii: "J") else {
                index += 1
                continue
            }
            var end = index
            var dots = 0
            while end < text.count && (isBase64URL(text[end]) || text[end] == UInt8(ascii: ".")) {
                if text[end] == UInt8(ascii: ".") { dots += 1 }
                end += 1
            }
            if dots >= 2 && end - index >= 20 {
                text.replace(index..<end)
                index += RedactionBuffer.markerBytes.count
            } else {
                index = end
            }
        }
    }
}
