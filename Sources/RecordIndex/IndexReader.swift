import Foundation
import GRDB
import Base
import Records

/// Answers `RecordQuery`s from the index (never from the segments: run `RecordIndex.update`
/// first). Every fact in an answer cites the records, by seq and segment line, that state it.
public final class IndexReader {
    public let directory: String
    let queue: DatabaseQueue
    /// Set when opening had to move a corrupt index aside (for stderr).
    public let notice: String?

    public init(directory: String) throws(IndexError) {
        self.directory = directory
        (queue, notice) = try IndexStore.open(directory: directory)
    }

    deinit { try? queue.close() }

    public func run(_ query: RecordQuery, window: TimeWindow = TimeWindow()) throws(IndexError) -> QueryResult {
        do {
            return try queue.read { db in try QueryPlan(db: db, window: window).run(query) }
        } catch let error as IndexError {
            throw error
        } catch {
            throw .database(path: IndexStore.path(directory: directory), reason: "\(error)")
        }
    }

    /// Whether the segment line of a cited record still hashes to what was indexed: nil when it
    /// does, else why not. A fact read from the index is only as good as this match.
    public func citationProblem(_ record: CitedRecord) -> String? {
        let row: IndexedRecord?
        do {
            row = try queue.read { db in try IndexedRecord.fetchOne(db, key: record.seq) }
        } catch {
            return "seq \(record.seq): \(error)"
        }
        guard let row else { return "seq \(record.seq) is not in the index" }
        let bytes: [UInt8]
        do {
            bytes = try SegmentReader.line(directory + "/" + row.file, at: row.offset).map { Array($0.bytes.prefix(Int(row.length))) } ?? []
        } catch {
            return "\(row.file):\(row.line) (seq \(row.seq)): \(error)"
        }
        guard Record.hash(ofLine: bytes) == row.sha256 else {
            return "\(row.file):\(row.line) (seq \(row.seq)) is not the line that was indexed"
        }
        return nil
    }

    public func statistics() throws(IndexError) -> IndexStatistics {
        do {
            return try queue.read { db in
                IndexStatistics(
                    records: try IndexedRecord.fetchCount(db),
                    firstSeq: try Int64.fetchOne(db, sql: "SELECT min(seq) FROM record"),
                    lastSeq: try Int64.fetchOne(db, sql: "SELECT max(seq) FROM record"),
                    processSightings: try SightingRows.count(db),
                    jobSightings: try JobSighting.fetchCount(db),
                    findings: try RecordedFinding.fetchCount(db))
            }
        } catch {
            throw .database(path: IndexStore.path(directory: directory), reason: "\(error)")
        }
    }
}

/// How much the index holds.
public struct IndexStatistics: Equatable, Sendable {
    public var records: Int
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    public var processSightings: Int
    public var jobSightings: Int
    public var findings: Int
}

/// Every row of the index in a stable order: what "rebuild equals incremental" compares.
struct IndexContents: Equatable {
    var records: [IndexedRecord]
    var processSightings: [ProcessSighting]
    var jobSightings: [JobSighting]
    var findings: [RecordedFinding]
}

extension IndexReader {
    func contents() throws -> IndexContents {
        try queue.read { db in
            IndexContents(
                records: try IndexedRecord.order(IndexedRecord.Columns.seq).fetchAll(db),
                processSightings: try SightingRows.all(db),
                jobSightings: try JobSighting.order(Column.rowID).fetchAll(db),
                findings: try RecordedFinding.order(Column.rowID).fetchAll(db))
        }
    }
}
