import Glibc

/// `ArgumentTriggers` for each argument of one ASCII command line (`/proc/<pid>/cmdline`),
/// found by searching the whole command line once instead of every argument again: for each
/// trigger the position of its next occurrence is kept, so an argument without that trigger
/// costs one comparison, and every byte is searched at most once per trigger.
///
/// No trigger pattern holds a NUL, so an occurrence lies inside the argument where it starts.
struct CommandLineTriggers {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var equals = 0, at = 0, quote = 0, colon = 0, schemeSlashes = 0, eyJ = 0, spaceDash = 0, tabDash = 0
    private var bearerLower = 0, bearerUpper = 0, bearerSpaceLower = 0, bearerSpaceUpper = 0

    /// `bytes` must be ASCII and stay valid while this value is used.
    init(_ base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
        equals = next(UInt8(ascii: "="), from: 0)
        at = next(UInt8(ascii: "@"), from: 0)
        quote = next(UInt8(ascii: "\""), from: 0)
        colon = next(UInt8(ascii: ":"), from: 0)
        schemeSlashes = nextSchemeSlashes(from: 0)
        eyJ = nextEyJ(from: 0)
        spaceDash = nextDash(after: UInt8(ascii: " "), from: 0)
        tabDash = nextDash(after: UInt8(ascii: "\t"), from: 0)
        bearerLower = nextBearer(UInt8(ascii: "b"), space: false, from: 0)
        bearerUpper = nextBearer(UInt8(ascii: "B"), space: false, from: 0)
        // `bearer ` is a `bearer`: searched only from the first `bearer`, usually the end.
        bearerSpaceLower = nextBearer(UInt8(ascii: "b"), space: true, from: bearerLower)
        bearerSpaceUpper = nextBearer(UInt8(ascii: "B"), space: true, from: bearerUpper)
    }

    /// The triggers of the argument at `start..<end`; arguments must be asked for in order.
    mutating func triggers(_ start: Int, _ end: Int) -> ArgumentTriggers {
        var found: ArgumentTriggers = []
        if start < end && base[start] == UInt8(ascii: "-") { found.insert(.leadingDash) }
        if equals < end { found.insert(.equals); equals = next(UInt8(ascii: "="), from: end) }
        if at < end { found.insert(.at); at = next(UInt8(ascii: "@"), from: end) }
        if quote < end { found.insert(.quote); quote = next(UInt8(ascii: "\""), from: end) }
        if colon < end { found.insert(.colon); colon = next(UInt8(ascii: ":"), from: end) }
        if schemeSlashes < end { found.insert(.schemeSlashes); schemeSlashes = nextSchemeSlashes(from: end) }
        if eyJ < end { found.insert(.eyJ); eyJ = nextEyJ(from: end) }
        if spaceDash < end { found.insert(.dashAfterBlank); spaceDash = nextDash(after: UInt8(ascii: " "), from: end) }
        if tabDash < end { found.insert(.dashAfterBlank); tabDash = nextDash(after: UInt8(ascii: "\t"), from: end) }
        if bearerLower < end { found.insert(.bearerWord); bearerLower = nextBearer(UInt8(ascii: "b"), space: false, from: end) }
        if bearerUpper < end { found.insert(.bearerWord); bearerUpper = nextBearer(UInt8(ascii: "B"), space: false, from: end) }
        if bearerSpaceLower < end { found.insert(.bearer); bearerSpaceLower = nextBearer(UInt8(ascii: "b"), space: true, from: max(end, bearerLower)) }
        if bearerSpaceUpper < end { found.insert(.bearer); bearerSpaceUpper = nextBearer(UInt8(ascii: "B"), space: true, from: max(end, bearerUpper)) }
        return found
    }

    private func next(_ byte: UInt8, from offset: Int) -> Int {
        guard offset < count, let hit = memchr(base + offset, Int32(byte), count - offset) else { return count }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// `://`, found by its colon.
    private func nextSchemeSlashes(from offset: Int) -> Int {
        var colon = next(UInt8(ascii: ":"), from: offset)
        while colon < count {
            if colon + 2 < count && base[colon + 1] == UInt8(ascii: "/") && base[colon + 2] == UInt8(ascii: "/") { return colon }
            colon = next(UInt8(ascii: ":"), from: colon + 1)
        }
        return count
    }

    /// `eyJ`, found by its J.
    private func nextEyJ(from offset: Int) -> Int {
        var j = next(UInt8(ascii: "J"), from: offset + 2)
        while j < count {
            if base[j - 2] == UInt8(ascii: "e") && base[j - 1] == UInt8(ascii: "y") { return j - 2 }
            j = next(UInt8(ascii: "J"), from: j + 1)
        }
        return count
    }

    /// A space or tab followed by `-`, found by the blank.
    private func nextDash(after blank: UInt8, from offset: Int) -> Int {
        var index = next(blank, from: offset)
        while index < count {
            if index + 1 < count && base[index + 1] == UInt8(ascii: "-") { return index }
            index = next(blank, from: index + 1)
        }
        return count
    }

    /// `bearer` in any case starting with `first` (b or B), followed by a space when `space`.
    private func nextBearer(_ first: UInt8, space: Bool, from offset: Int) -> Int {
        let bytes = UnsafeBufferPointer(start: base, count: count)
        var index = next(first, from: offset)
        while index < count {
            if ASCIIScan.hasFolded(bytes, at: index, "bearer") && (!space || (index + 6 < count && base[index + 6] == UInt8(ascii: " "))) {
                return index
            }
            index = next(first, from: index + 1)
        }
        return count
    }
}
