import GRDB
import Records

/// One incremental (or full) pass over the segments, inside one IMMEDIATE transaction so that two
/// updaters never index the same record twice. Lines the writer has just appended (`written`) are
/// taken from its records instead of being read and parsed again; every other line is read.
struct IndexUpdater {
    var directory: String
    var segments: [Segment]
    var written: [WrittenRecord] = []

    func update(_ queue: DatabaseQueue, report: inout IndexUpdateReport, rebuild: Bool) throws {
        let ingester = RecordIngester()
        var local = report
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                if rebuild {
                    try IndexSchema.drop(db)
                    try IndexSchema.create(db)
                    local.rebuilt = true
                } else if try IndexSchema.isEmpty(db) {
                    try IndexSchema.create(db)
                    local.rebuilt = true
                }
                let inserter = try IndexInserter(db, expectedSightings: written.reduce(0) { $0 + ($1.record.body.processFacts?.count ?? 0) })
                let last = try IndexedRecord.order(IndexedRecord.Columns.seq.desc).fetchOne(db)
                var lastSeq = last?.seq
                func take(_ outcome: Result<Int64, IndexProblem>) {
                    switch outcome {
                    case .success(let seq):
                        lastSeq = seq
                        local.indexedRecords += 1
                    case .failure(let problem):
                        local.problems.append(problem)
                    }
                }
                let known = Dictionary(grouping: written, by: { "records/" + $0.segment })
                    .mapValues { Dictionary($0.map { ($0.offset, $0) }, uniquingKeysWith: { first, _ in first }) }
                for (segment, offset, firstLine) in try start(after: last) {
                    try SegmentReader.forEachLine(of: segment, from: offset, firstLine: firstLine, written: known[segment.file] ?? [:],
                                                  known: { record, line in
                        let outcome = try ingester.ingest(record, file: segment.file, line: line, after: lastSeq, into: inserter)
                        if case .success = outcome { local.takenFromWriter += 1 }
                        take(outcome)
                    }) { line in
                        take(try ingester.ingest(line, after: lastSeq, into: inserter))
                    }
                }
                try inserter.finish()
                local.lastSeq = lastSeq
                return .commit
            }
        }
        report = local
    }

    /// Where to start reading: just after the last indexed line, whose bytes must still hash to
    /// what was indexed; from the first segment when nothing is indexed.
    private func start(after last: IndexedRecord?) throws -> [(Segment, Int64, Int64)] {
        guard let last else { return segments.map { ($0, 0, 1) } }
        guard let current = segments.firstIndex(where: { $0.file == last.file }) else {
            throw StaleIndex(reason: "its last indexed record (seq \(last.seq)) is in \(last.file), which is not a segment any more")
        }
        let line = try SegmentReader.line(segments[current].path, at: last.offset)
        guard let line, line.terminated, line.bytes.count == last.length, Record.hash(ofLine: line.bytes) == last.sha256 else {
            throw StaleIndex(reason: "its last indexed record (seq \(last.seq), \(last.file):\(last.line)) does not match the segment")
        }
        return [(segments[current], last.offset + last.length + 1, last.line + 1)]
            + segments[(current + 1)...].map { ($0, 0, 1) }
    }
}
