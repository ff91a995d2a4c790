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

    /// Whether only the assignment rule (`NAME=value`) has something to work on.
    var onlyAssignments: Bool {
        contains(.equals) && isDisjoint(with: [.dashAfterBlank, .bearer, .schemeSlashes, .eyJ]) && !isSuperset(of: [.colon, .quote])
    }

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

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.init(scanning: bytes)
        if !ASCIIScan.isASCII(bytes) { formUnion(.nonASCII) }
    }

    /// A few memchr calls (vectorised in glibc) instead of a loop over every byte; the
    /// two- and three-byte patterns are found by their rarest byte and checked in place.
    private init(scanning bytes: UnsafeBufferPointer<UInt8>) {
        var found: UInt16 = 0
        let count = bytes.count
        guard let base = bytes.baseAddress, count > 0 else { self.init(rawValue: 0); return }
        if base[0] == UInt8(ascii: "-") { found |= Self.leadingDash.rawValue }
        @inline(__always) func index(of byte: UInt8, from offset: Int) -> Int? {
            guard offset < count, let hit = memchr(base + offset, Int32(byte), count - offset) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        if memchr(base, Int32(UInt8(ascii: "=")), count) != nil { found |= Self.equals.rawValue }
        if memchr(base, Int32(UInt8(ascii: "@")), count) != nil { found |= Self.at.rawValue }
        if memchr(base, Int32(UInt8(ascii: "\"")), count) != nil { found |= Self.quote.rawValue }
        if var colon = index(of: UInt8(ascii: ":"), from: 0) {
            found |= Self.colon.rawValue
            repeat {  // `://`
                if colon + 2 < count && base[colon + 1] == UInt8(ascii: "/") && base[colon + 2] == UInt8(ascii: "/") {
                    found |= Self.schemeSlashes.rawValue
                    break
                }
                guard let next = index(of: UInt8(ascii: ":"), from: colon + 1) else { break }
                colon = next
            } while true
        }
        var offset = 2
        while let j = index(of: UInt8(ascii: "J"), from: offset) {  // `eyJ`
            if base[j - 2] == UInt8(ascii: "e") && base[j - 1] == UInt8(ascii: "y") {
                found |= Self.eyJ.rawValue
                break
            }
            offset = j + 1
        }
        offset = 1
        while let dash = index(of: UInt8(ascii: "-"), from: offset) {  // ` -` or a tab and `-`
            if base[dash - 1] == UInt8(ascii: " ") || base[dash - 1] == UInt8(ascii: "\t") {
                found |= Self.dashAfterBlank.rawValue
                break
            }
            offset = dash + 1
        }
        // `bearer` in any case: each b or B is checked in place.
        for first in [UInt8(ascii: "b"), UInt8(ascii: "B")] where found & Self.bearer.rawValue == 0 {
            offset = 0
            while let hit = index(of: first, from: offset) {
                if ASCIIScan.hasFolded(bytes, at: hit, "bearer") {
                    found |= Self.bearerWord.rawValue
                    if hit + 6 < count && base[hit + 6] == UInt8(ascii: " ") {
                        found |= Self.bearer.rawValue
                        break
                    }
                }
                offset = hit + 1
            }
        }
        self.init(rawValue: found)
    }
}
