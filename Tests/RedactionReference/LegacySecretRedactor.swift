// The secret redactor as it was before it worked on bytes (Sources/ProcFS/SecretRedactor.swift
// at c41b914), kept unchanged apart from its names as the reference the byte-level redactor is
// compared with (RedactionEquivalenceTests, make bench's redaction row). Nothing ships it.
//
// This target imports nothing, like ProcFS's closure (no Foundation), so `String.contains` and
// `lowercased()` resolve to the same standard-library operations as they did in ProcFS.

/// Removes credentials from command lines before they are stored, printed or signed.
///
/// Users and pilots pass tokens on command lines (`--token X`, `PANDA_AUTH_TOKEN=X` inside a
/// `bash -c` string, `https://user:pw@host`, bearer tokens, JWTs). isotrace records command lines
/// as evidence that outlives the job, so anything that looks like a secret is replaced by
/// `<redacted>`: a false positive costs a little detail, a false negative leaks a credential.
public enum LegacySecretRedactor {
    public static let marker = "<redacted>"

    /// Words that mark a name (of a flag or a variable) as naming a secret. Matched case-insensitively
    /// as substrings, so `PANDA_AUTH_TOKEN`, `--access-token`, `db_password` all count.
    static let secretWords = ["token", "passwd", "password", "secret", "apikey", "api_key", "api-key",
                              "credential", "private_key", "private-key", "access_key", "access-key",
                              "cookie", "session_key", "auth"]

    public static func redact(_ argv: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(argv.count)
        var hideNext = false
        for argument in argv {
            let flag = LegacyASCIIScan.withASCII(argument) { $0.first == UInt8(ascii: "-") } ?? argument.hasPrefix("-")
            if hideNext && !flag {
                result.append(marker)
                hideNext = false
                continue
            }
            hideNext = false
            if flag, !(LegacyASCIIScan.withASCII(argument) { $0.contains(UInt8(ascii: "=")) } ?? argument.contains("=")),
               namesSecret(argument) {
                hideNext = true
                result.append(argument)
                continue
            }
            result.append(redactText(argument))
        }
        return result
    }

    static func namesSecret(_ name: some StringProtocol) -> Bool {
        if let found = LegacyASCIIScan.withASCII(name, asciiNamesSecret) { return found }
        let lowered = name.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    /// `namesSecret` on ASCII bytes, without allocating (the sampler calls it for most arguments).
    private static func asciiNamesSecret(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        LegacyASCIIScan.containsFolded(bytes, "token") || LegacyASCIIScan.containsFolded(bytes, "passwd")
            || LegacyASCIIScan.containsFolded(bytes, "password") || LegacyASCIIScan.containsFolded(bytes, "secret")
            || LegacyASCIIScan.containsFolded(bytes, "apikey") || LegacyASCIIScan.containsFolded(bytes, "api_key")
            || LegacyASCIIScan.containsFolded(bytes, "api-key") || LegacyASCIIScan.containsFolded(bytes, "credential")
            || LegacyASCIIScan.containsFolded(bytes, "private_key") || LegacyASCIIScan.containsFolded(bytes, "private-key")
            || LegacyASCIIScan.containsFolded(bytes, "access_key") || LegacyASCIIScan.containsFolded(bytes, "access-key")
            || LegacyASCIIScan.containsFolded(bytes, "cookie") || LegacyASCIIScan.containsFolded(bytes, "session_key")
            || LegacyASCIIScan.containsFolded(bytes, "auth")
    }

    /// Redacts secrets inside one argument, which may be a whole shell command (`bash -c "..."`).
    static func redactText(_ text: String) -> String {
        guard mayHoldSecret(text) else { return text }
        var scalars = Array(text.unicodeScalars)
        let original = scalars
        redactFlagValues(&scalars)
        redactAssignments(&scalars)
        redactJSONPairs(&scalars)
        redactBearer(&scalars)
        redactURLPasswords(&scalars)
        redactJWTs(&scalars)
        // Most candidates hold nothing secret: then nothing was written and the text is kept as it was.
        if scalars == original { return text }
        var output = String.UnicodeScalarView()
        output.append(contentsOf: scalars)
        return String(output)
    }

    /// Cheap pre-check so ordinary arguments cost one scan. Mended like the shipped redactor for a
    /// flag after a tab (a leak both had), so the two still agree byte for byte.
    private static func mayHoldSecret(_ text: String) -> Bool {
        if let found = LegacyASCIIScan.withASCII(text, { bytes in
            bytes.contains { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: ":") }
                || LegacyASCIIScan.contains(bytes, "eyJ") || LegacyASCIIScan.containsFolded(bytes, "bearer")
                || ((LegacyASCIIScan.contains(bytes, " -") || LegacyASCIIScan.contains(bytes, "\t-")) && asciiNamesSecret(bytes))
        }) { return found }
        return text.contains("=") || text.contains("@") || text.contains("eyJ") || text.lowercased().contains("bearer")
            || text.contains(":") || ((text.contains(" -") || text.contains("\t-")) && namesSecret(text))
    }

    private static func isNameScalar(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (v >= 65 && v <= 90) || (v >= 97 && v <= 122) || (v >= 48 && v <= 57) || s == "_" || s == "-" || s == "."
        }
        return s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "_" || s == "-" || s == "."
    }

    private static func isValueEnd(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == ";" || s == "&" || s == "|"
    }

    /// `--token X` inside one argument that is a whole shell command (`bash -c "run --token X"`).
    private static func redactFlagValues(_ scalars: inout [Unicode.Scalar]) {
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "-", index > 0, scalars[index - 1] == " " || scalars[index - 1] == "\t" else {
                index += 1
                continue
            }
            var end = index
            while end < scalars.count && !isValueEnd(scalars[end]) && scalars[end] != "=" { end += 1 }
            guard end < scalars.count, scalars[end] == " " || scalars[end] == "\t",
                  namesSecret(String(String.UnicodeScalarView(scalars[index..<end]))) else { index = end; continue }
            var value = end
            while value < scalars.count && (scalars[value] == " " || scalars[value] == "\t") { value += 1 }
            guard value < scalars.count, scalars[value] != "-", !isValueEnd(scalars[value]) else { index = value; continue }
            index = replaceValue(&scalars, from: value)
        }
    }

    /// `NAME=value` and `--name=value` where NAME names a secret.
    private static func redactAssignments(_ scalars: inout [Unicode.Scalar]) {
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "=" else { index += 1; continue }
            var start = index
            while start > 0 && isNameScalar(scalars[start - 1]) { start -= 1 }
            let name = String(String.UnicodeScalarView(scalars[start..<index]))
            guard !name.isEmpty, namesSecret(name) else { index += 1; continue }
            index = replaceValue(&scalars, from: index + 1)
        }
    }

    /// `"NAME": "value"` in JSON passed as an argument (environments handed over as JSON blobs).
    private static func redactJSONPairs(_ scalars: inout [Unicode.Scalar]) {
        var index = 0
        while index < scalars.count {
            guard scalars[index] == ":" else { index += 1; continue }
            var close = index - 1
            while close >= 0 && scalars[close] == " " { close -= 1 }
            guard close > 0, scalars[close] == "\"" else { index += 1; continue }
            var open = close - 1
            while open >= 0 && scalars[open] != "\"" { open -= 1 }
            guard open >= 0, namesSecret(String(String.UnicodeScalarView(scalars[(open + 1)..<close]))) else { index += 1; continue }
            var value = index + 1
            while value < scalars.count && scalars[value] == " " { value += 1 }
            guard value < scalars.count, scalars[value] == "\"" else { index += 1; continue }
            var end = value + 1
            while end < scalars.count && scalars[end] != "\"" {
                end += scalars[end] == "\\" ? 2 : 1
            }
            let replacement = Array(marker.unicodeScalars)
            scalars.replaceSubrange((value + 1)..<min(end, scalars.count), with: replacement)
            index = value + 1 + replacement.count + 1
        }
    }

    /// Replaces the value starting at `start` (quoted or up to a word end); returns the index after it.
    private static func replaceValue(_ scalars: inout [Unicode.Scalar], from start: Int) -> Int {
        guard start < scalars.count else { return start }
        var end = start
        if scalars[start] == "\"" || scalars[start] == "'" {
            let quote = scalars[start]
            end = start + 1
            while end < scalars.count && scalars[end] != quote { end += 1 }
            end = min(end + 1, scalars.count)
        } else {
            // An unquoted value inside a quoted string ends at that string's closing quote.
            while end < scalars.count && !isValueEnd(scalars[end]) && scalars[end] != "\"" && scalars[end] != "'" { end += 1 }
        }
        guard end > start else { return start }
        let replacement = Array(marker.unicodeScalars)
        scalars.replaceSubrange(start..<end, with: replacement)
        return start + replacement.count
    }

    /// `Bearer <token>` (HTTP Authorization headers passed to curl and friends).
    private static func redactBearer(_ scalars: inout [Unicode.Scalar]) {
        let length = 6
        var index = 0
        while index + length < scalars.count {
            // ASCII case folding equals lowercased() here: no other scalar lowercases to one of b, e, a, r.
            if isBearer(scalars[index..<index + length]), scalars[index + length] == " " {
                var valueStart = index + length
                while valueStart < scalars.count && scalars[valueStart] == " " { valueStart += 1 }
                index = replaceValue(&scalars, from: valueStart)
            } else {
                index += 1
            }
        }
    }

    private static func isBearer(_ word: ArraySlice<Unicode.Scalar>) -> Bool {
        zip(word, "bearer".unicodeScalars).allSatisfy { scalar, expected in
            scalar.isASCII && LegacyASCIIScan.lower(UInt8(scalar.value)) == UInt8(expected.value)
        }
    }

    /// `scheme://user:password@host` keeps the user and hides the password.
    private static func redactURLPasswords(_ scalars: inout [Unicode.Scalar]) {
        var index = 0
        while index + 3 <= scalars.count {
            guard scalars[index] == ":", index + 2 < scalars.count, scalars[index + 1] == "/", scalars[index + 2] == "/" else {
                index += 1
                continue
            }
            let authorityStart = index + 3
            var end = authorityStart
            while end < scalars.count && !isValueEnd(scalars[end]) && scalars[end] != "/" { end += 1 }
            if let at = scalars[authorityStart..<end].lastIndex(of: "@"),
               let colon = scalars[authorityStart..<at].firstIndex(of: ":"), colon + 1 < at {
                let replacement = Array(marker.unicodeScalars)
                scalars.replaceSubrange((colon + 1)..<at, with: replacement)
                index = colon + 1 + replacement.count
            } else {
                index = end
            }
        }
    }

    /// JSON Web Tokens (`eyJ<header>.<payload>.<signature>`), wherever they stand.
    private static func redactJWTs(_ scalars: inout [Unicode.Scalar]) {
        func isBase64URL(_ s: Unicode.Scalar) -> Bool {
            ("A"..."Z").contains(s) || ("a"..."z").contains(s) || ("0"..."9").contains(s) || s == "-" || s == "_" || s == "="
        }
        var index = 0
        while index + 3 < scalars.count {
            guard scalars[index] == "e", scalars[index + 1] == "y", scalars[index + 2] == "J" else { index += 1; continue }
            var end = index
            var dots = 0
            while end < scalars.count && (isBase64URL(scalars[end]) || scalars[end] == ".") {
                if scalars[end] == "." { dots += 1 }
                end += 1
            }
            if dots >= 2 && end - index >= 20 {
                let replacement = Array(marker.unicodeScalars)
                scalars.replaceSubrange(index..<end, with: replacement)
                index += replacement.count
            } else {
                index = end
            }
        }
    }
}

/// Byte-level searches over ASCII text, for the secret redactor's hot path.
///
/// On ASCII text these give exactly what the `String` operations they replace give
/// (`lowercased().contains`, `contains`, `hasPrefix`): every ASCII scalar is its own Character
/// except CR LF, which no needle contains. Callers use them only after `isASCII` and keep the
/// `String` operations for other text, where Unicode case mapping and grapheme rules differ.
enum LegacyASCIIScan {
    /// nil when the text is not ASCII; else the result of `body` on its bytes.
    static func withASCII<T>(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        text.utf8.withContiguousStorageIfAvailable { bytes -> T? in
            for byte in bytes where byte >= 0x80 { return nil }
            return body(bytes)
        } ?? nil
    }

    /// True when `needle` (lower-case ASCII) occurs in `bytes`, letters compared case-insensitively.
    static func containsFolded(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard count > 0, bytes.count >= count else { return false }
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        let first = pattern[0]
        var start = 0
        while start + count <= bytes.count {
            if lower(bytes[start]) == first {
                var offset = 1
                while offset < count && lower(bytes[start + offset]) == pattern[offset] { offset += 1 }
                if offset == count { return true }
            }
            start += 1
        }
        return false
    }

    /// True when `needle` occurs in `bytes` exactly.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        var start = 0
        while start + count <= bytes.count {
            var offset = 0
            while offset < count && bytes[start + offset] == pattern[offset] { offset += 1 }
            if offset == count { return true }
            start += 1
        }
        return false
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }
}

/// `ProcessArguments.parse` as it was: each NUL ends an argument (a last one may end with the
/// file), each argument decoded by `decode` (ProcFS's `EscapedText.decode`), then redacted.
public enum LegacyProcessArguments {
    public static func parse(_ bytes: [UInt8], decode: (ArraySlice<UInt8>) -> String) -> [String] {
        var arguments: [String] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0) ?? bytes.count
            arguments.append(decode(bytes[start..<end]))
            start = end + 1
        }
        return LegacySecretRedactor.redact(arguments)
    }
}
