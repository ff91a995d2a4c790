/// The `shared` object of a `process`/`exit` record whose `processes` entries state some members
/// alike (the event source's records, and the daemon's sampled `process` records: `split`):
/// those members stated once for the record. An entry is
/// its own members plus each member of `shared` it does not have itself; a reader of entries
/// (the index, a SIEM) takes them so. Records without `shared` are read as before.
public enum SharedEntryMembers {
    /// The body key of the object.
    public static let key = "shared"

    /// `entry` (an object) with the members of `shared` it does not have; `entry` as it is when
    /// it is not an object.
    public static func merged(_ entry: JSONValue, shared: [JSONMember]) -> JSONValue {
        guard case .object(var members) = entry, !shared.isEmpty else { return entry }
        for member in shared where !members.contains(where: { $0.key.unicodeScalars.elementsEqual(member.key.unicodeScalars) }) {
            members.append(member)
        }
        return .object(members)
    }

    /// The `processes` entries of a body's members with `shared` applied (nil without a
    /// `processes` array); the entries as they are when `shared` is not there or not an object.
    public static func entries(of members: [JSONMember]) -> [JSONValue]? {
        var entries: [JSONValue]?
        var shared: [JSONMember] = []
        var sawEntries = false, sawShared = false
        for member in members {
            if member.key.unicodeScalars.elementsEqual("processes".unicodeScalars) {
                if !sawEntries, case .array(let values) = member.value { entries = values }
                sawEntries = true
            } else if member.key.unicodeScalars.elementsEqual(key.unicodeScalars) {
                if !sawShared { shared = member.value.objectMembers ?? [] }
                sawShared = true
            }
        }
        return entries.map { $0.map { merged($0, shared: shared) } }
    }
}
