/// Entries gathered into records: grouped by a key (a job, or the node) in the order the keys
/// first come, each group cut into records of at most `limit` entries (`DaemonLoop.entriesPerRecord`).
/// Used for the `process` and `exit` records of sampled processes and of those only events saw.
struct RecordGroups<Key: Hashable, Entry> {
    let limit: Int
    private var groups: [[Entry]] = []
    private var index: [Key: Int] = [:]

    init(limit: Int = DaemonLoop.entriesPerRecord) {
        self.limit = limit
    }

    var isEmpty: Bool { groups.isEmpty }

    /// Adds `entry` to the group of `key`; returns where it will be: (group, position in the group).
    @discardableResult
    mutating func add(_ entry: Entry, to key: Key) -> Place {
        if let at = index[key] {
            groups[at].append(entry)
            return Place(group: at, position: groups[at].count - 1)
        }
        index[key] = groups.count
        groups.append([entry])
        return Place(group: groups.count - 1, position: 0)
    }

    /// Adds `entry` to the group at `group` (a place `add(_:to:)` returned).
    mutating func add(_ entry: Entry, toGroup group: Int) {
        groups[group].append(entry)
    }

    struct Place: Hashable {
        var group: Int
        var position: Int
    }

    /// The records' entries, group by group in order, each group cut every `limit` entries.
    var records: [ArraySlice<Entry>] {
        groups.flatMap { group in stride(from: 0, to: group.count, by: limit).map { group[$0..<min($0 + limit, group.count)] } }
    }

    /// Where each place's entry is in `records`: record number = first[group] + position / limit.
    var firstRecordOfGroup: [Int] {
        var first: [Int] = []
        first.reserveCapacity(groups.count)
        var next = 0
        for group in groups {
            first.append(next)
            next += (group.count + limit - 1) / limit
        }
        return first
    }
}
