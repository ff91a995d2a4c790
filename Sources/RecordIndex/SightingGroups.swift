/// Rows that state the same fact, merged: the fact once, seen from the earliest to the latest
/// row, with every row's record seq (the proof). Groups keep the order of their first row.
struct SightingGroup<Row> {
    var row: Row
    var firstSeen: Int64
    var lastSeen: Int64
    var seqs: [Int64]

    static func group<Key: Hashable>(_ rows: [Row], key: (Row) -> Key, seen: (Row) -> ClosedRange<Int64>,
                                     seq: (Row) -> Int64) -> [SightingGroup] {
        var index: [Key: Int] = [:]
        var groups: [SightingGroup] = []
        for row in rows {
            let span = seen(row)
            let k = key(row)
            if let position = index[k] {
                groups[position].row = row
                groups[position].firstSeen = min(groups[position].firstSeen, span.lowerBound)
                groups[position].lastSeen = max(groups[position].lastSeen, span.upperBound)
                if groups[position].seqs.last != seq(row) { groups[position].seqs.append(seq(row)) }
            } else {
                index[k] = groups.count
                groups.append(SightingGroup(row: row, firstSeen: span.lowerBound, lastSeen: span.upperBound, seqs: [seq(row)]))
            }
        }
        return groups
    }
}

extension ProcessSighting {
    /// The facts of the sighting without when and by which record it was seen.
    var facts: ProcessSighting {
        var copy = self
        copy.recordSeq = 0
        copy.firstSeen = 0
        copy.lastSeen = 0
        return copy
    }

    var identity: ProcessIdentityReport { ProcessIdentityReport(bootID: bootID, pid: pid, startTicks: startTicks) }

    /// Pilot side first, then payloads, then anything else.
    var roleRank: Int {
        switch role {
        case "pilot_wrapper": return 0
        case "pilot": return 1
        case "payload": return 2
        default: return 3
        }
    }
}

extension RecordedFinding {
    var facts: RecordedFinding {
        var copy = self
        copy.recordSeq = 0
        copy.seen = 0
        return copy
    }
}
