import Glibc

/// What one scan of an argument's UTF-8 bytes found: which of the secret redactor's rules could
/// apply to it at all. Most arguments have none of these, and then nothing else looks at them.
///
/// Each flag is a necessary condition of one rule (an assignment needs `=`, a URL password
/// `://`, ...); the `<redacted>` marker holds none of these characters, so a rule that had
/// nothing to work on before another rule wrote a marker has nothing after it either.
struct ArgumentTriggers: OptionSet {
    let rawValue: UInt16

    init(rawValue: UInt16) { self.rawValue = rawValue }

    static let equals = ArgumentTriggers(rawValue: 1 << 0)
    static let at = ArgumentTriggers(rawValue: 1 << 1)
    static let colon = ArgumentTriggers(rawValue: 1 << 2)
    static let quote = ArgumentTriggers(rawValue: 1 << 3)
    /// `eyJ`, the start of a JWT.
    static let eyJ = ArgumentTriggers(rawValue: 1 << 4)
    /// `bearer` in any case.
    static let bearerWord = ArgumentTriggers(rawValue: 1 << 5)
    /// `bearer` in any case, followed by a space.
    static let bearer = ArgumentTriggers(rawValue: 1 << 6)
    /// ` -` or a tab and `-`: a flag inside a shell command.
    static let dashAfterBlank = ArgumentTriggers(rawValue: 1 << 8)
    /// `://`.
    static let schemeSlashes = ArgumentTriggers(rawValue: 1 << 9)
    static let nonASCII = ArgumentTriggers(rawValue: 1 << 10)
    /// The first byte is `-`.
    static let leadingDash = ArgumentTriggers(rawValue: 1 << 11)

    var isASCII: Bool { !contains(.nonASCII) }
    var startsWithDash: Bool { contains(.leadingDash) }

    /// Whether any rewriting rule has something to work on.
    var mayChange: Bool {
        !isDisjoint(with: [.dashAfterBlank, .equals, .bearer, .schemeSlashes, .eyJ]) || isSuperset(of: [.colon, .quote])
    }

    init(_ text: String) {
        if let found = text.utf8.withContiguousStorageIfAvailable(ArgumentTriggers.init(bytes:)) {
            self = found
        } else {
            self = Array(text.utf8).withUnsafeBufferPointer(ArgumentTriggers.init(bytes:))
        }
    }

    /// A few memchr calls (vectorised in glibc) instead of a loop over every byte.
    init(bytes: UnsafeBufferPointer<UInt8>) {
        var found: UInt16 = 0
        let count = bytes.count
        guard let base = bytes.baseAddress, count > 0 else { self.init(rawValue: 0); return }
        if base[0] == UInt8(ascii: "-") { found |= Self.leadingDash.rawValue }
        if !Self.isASCII(bytes) { found |= Self.nonASCII.rawValue }
        func has(_ byte: UInt8) -> Bool { memchr(base, Int32(byte), count) != nil }
        /// Whether `before` and then `byte` stand at `before.count` bytes before each `byte`
        /// found; memchr looks for the rarer last byte.
        func has(_ byte: UInt8, after before: [UInt8]) -> Bool {
            var offset = before.count
            while offset < count, let hit = memchr(base + offset, Int32(byte), count - offset) {
                let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if before.indices.allSatisfy({ base[index - before.count + $0] == before[$0] }) { return true }
                offset = index + 1
            }
            return false
        }
        if has(UInt8(ascii: "=")) { found |= Self.equals.rawValue }
        if has(UInt8(ascii: "@")) { found |= Self.at.rawValue }
        if has(UInt8(ascii: "\"")) { found |= Self.quote.rawValue }
        if has(UInt8(ascii: ":")) {
            found |= Self.colon.rawValue
            if has(UInt8(ascii: "/"), after: [UInt8(ascii: ":"), UInt8(ascii: "/")]) { found |= Self.schemeSlashes.rawValue }
        }
        if has(UInt8(ascii: "J"), after: [UInt8(ascii: "e"), UInt8(ascii: "y")]) { found |= Self.eyJ.rawValue }
        if has(UInt8(ascii: "-"), after: [UInt8(ascii: " ")]) || has(UInt8(ascii: "-"), after: [UInt8(ascii: "\t")]) {
            found |= Self.dashAfterBlank.rawValue
        }
        // `bearer` in any case: each b or B is checked in place.
        for first in [UInt8(ascii: "b"), UInt8(ascii: "B")] where found & Self.bearer.rawValue == 0 {
            var offset = 0
            while offset < count, let hit = memchr(base + offset, Int32(first), count - offset) {
                let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if ASCIIScan.hasFolded(bytes, at: index, "bearer") {
                    found |= Self.bearerWord.rawValue
                    if index + 6 < count && base[index + 6] == UInt8(ascii: " ") {
                        found |= Self.bearer.rawValue
                        break
                    }
                }
                offset = index + 1
            }
        }
        self.init(rawValue: found)
    }

    /// Whether every byte is below 0x80, eight bytes at a time.
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeRawBufferPointer(bytes)
        var index = 0
        var high: UInt64 = 0
        while index + 8 <= raw.count {
            high |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < raw.count {
            high |= UInt64(raw[index])
            index += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}
