import Glibc

/// The `shared` layout made from entries that are already canonical JSON objects (the daemon's
/// sampled `process` entries, written as bytes by the snapshot's writer): the top-level members
/// every entry states with the same bytes are found on the bytes, stated once in `shared`, and
/// left out of the entries. Nothing is parsed into values: member boundaries are found by one
/// scan of each entry (strings skipped sixteen bytes at a time, `JSONByteScan`).
///
/// Canonical JSON states one value one way, so members with equal bytes state the same thing;
/// an object with some members left out keeps its keys in canonical order, and `shared` holds
/// members in the first entry's order: both stay canonical as they stand.
extension SharedEntryMembers {
    /// The `processes` array of `entries` (each a canonical JSON object) without the members all of
    /// them state alike, and the `shared` object of those members; nil when there is nothing to
    /// share (fewer than two entries, no member alike in all, an entry not an object): the
    /// entries are then written whole, as before. Members named in `own` stay in every entry
    /// (a process's identity: each entry still says which process it is).
    public static func split(_ entries: [[UInt8]], own: Set<String>) -> (processes: [UInt8], shared: [UInt8])? {
        guard entries.count > 1 else { return nil }
        let ownKeys = own.map { Array($0.utf8) }
        // Every entry's members (flat), `starts[i]` the first of entry i's.
        var members: [ObjectMember] = []
        var starts: [Int] = []
        starts.reserveCapacity(entries.count + 1)
        // The candidates: indices (into `members`) of entry 0's members, nil once one entry differs.
        var candidates: [Int?] = []
        for (index, entry) in entries.enumerated() {
            starts.append(members.count)
            let found = entry.withUnsafeBufferPointer { bytes in ObjectMember.scan(bytes, into: &members) }
            guard found else { return nil }
            if index == 0 {
                candidates = (0..<members.count).map { at -> Int? in
                    let key = members[at].key
                    return ownKeys.contains { $0.elementsEqual(entry[key]) } ? nil : at
                }
                continue
            }
            let first = starts[index], end = members.count
            var hint = first
            entries[0].withUnsafeBufferPointer { zero in
                entry.withUnsafeBufferPointer { this in
                    for slot in candidates.indices {
                        guard let candidate = candidates[slot] else { continue }
                        let wanted = members[candidate]
                        // Keys come in one order in every entry: look from after the last one found.
                        var match: Int?
                        for step in 0..<(end - first) {
                            let at = first + (hint - first + step) % (end - first)
                            if ObjectMember.equal(zero, wanted.key, this, members[at].key) {
                                match = at
                                break
                            }
                        }
                        guard let match else { candidates[slot] = nil; continue }
                        hint = match + 1 < end ? match + 1 : first
                        if !ObjectMember.equal(zero, wanted.whole, this, members[match].whole) { candidates[slot] = nil }
                    }
                }
            }
            if !candidates.contains(where: { $0 != nil }) { return nil }
        }
        starts.append(members.count)
        let sharedMembers = candidates.compactMap { $0 }
        guard !sharedMembers.isEmpty else { return nil }

        var shared: [UInt8] = [UInt8(ascii: "{")]
        for (position, at) in sharedMembers.enumerated() {
            if position > 0 { shared.append(UInt8(ascii: ",")) }
            shared.append(contentsOf: entries[0][members[at].whole])
        }
        shared.append(UInt8(ascii: "}"))

        let sharedLength = sharedMembers.reduce(0) { $0 + members[$1].whole.count + 1 }
        var processes: [UInt8] = []
        processes.reserveCapacity(entries.reduce(2) { $0 + $1.count + 1 } - entries.count * sharedLength)
        processes.append(UInt8(ascii: "["))
        entries[0].withUnsafeBufferPointer { zero in
            for (index, entry) in entries.enumerated() {
                if index > 0 { processes.append(UInt8(ascii: ",")) }
                processes.append(UInt8(ascii: "{"))
                var next = 0, wrote = false
                entry.withUnsafeBufferPointer { this in
                    for at in starts[index]..<starts[index + 1] {
                        // The shared members come in the entry's order: each is the next one to skip.
                        if next < sharedMembers.count, ObjectMember.equal(zero, members[sharedMembers[next]].key, this, members[at].key) {
                            next += 1
                            continue
                        }
                        if wrote { processes.append(UInt8(ascii: ",")) }
                        processes.append(contentsOf: this[members[at].whole])
                        wrote = true
                    }
                }
                processes.append(UInt8(ascii: "}"))
            }
        }
        processes.append(UInt8(ascii: "]"))
        return (processes, shared)
    }
}

/// One top-level member of a canonical JSON object: its key's bytes (inside the quotes, as
/// escaped) and the bytes of `"key":value`.
struct ObjectMember {
    var key: Range<Int>
    var whole: Range<Int>

    /// Appends the members of the object `bytes` to `members`; false when `bytes` are not an
    /// object as canonical JSON writes one (then what was appended is not to be used).
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, into members: inout [ObjectMember]) -> Bool {
        let count = bytes.count
        guard count >= 2, bytes[0] == UInt8(ascii: "{") else { return false }
        var at = 1
        if bytes[at] == UInt8(ascii: "}") { return at + 1 == count }
        while at < count {
            let start = at
            guard bytes[at] == UInt8(ascii: "\""), let keyEnd = stringEnd(bytes, at), keyEnd < count, bytes[keyEnd] == UInt8(ascii: ":"),
                  let valueEnd = valueEnd(bytes, keyEnd + 1), valueEnd < count else { return false }
            members.append(ObjectMember(key: start + 1..<keyEnd - 1, whole: start..<valueEnd))
            switch bytes[valueEnd] {
            case UInt8(ascii: ","): at = valueEnd + 1
            case UInt8(ascii: "}"): return valueEnd + 1 == count
            default: return false
            }
        }
        return false
    }

    /// Whether `a[first]` and `b[second]` hold the same bytes.
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ first: Range<Int>, _ b: UnsafeBufferPointer<UInt8>, _ second: Range<Int>) -> Bool {
        first.count == second.count && (first.isEmpty || memcmp(a.baseAddress! + first.lowerBound, b.baseAddress! + second.lowerBound, first.count) == 0)
    }

    /// Just past the string whose opening quote is at `at`; nil if it does not end.
    private static func stringEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var at = start + 1
        while true {
            at += JSONByteScan.plainASCIIRun(bytes, from: at)
            guard at < bytes.count else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "\""): return at + 1
            case UInt8(ascii: "\\"): at += 2
            default: at += 1
            }
        }
    }

    /// Just past the value that starts at `at`; nil if it does not end.
    private static func valueEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        var at = start
        switch bytes[at] {
        case UInt8(ascii: "\""):
            return stringEnd(bytes, at)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: "\""):
                    guard let end = stringEnd(bytes, at) else { return nil }
                    at = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return at + 1 }
                default: break
                }
                at += 1
            }
            return nil
        default:
            // A number, true, false or null: up to the next comma or closing bracket.
            while at < bytes.count, bytes[at] != UInt8(ascii: ","), bytes[at] != UInt8(ascii: "}"), bytes[at] != UInt8(ascii: "]") { at += 1 }
            return at
        }
    }
}
