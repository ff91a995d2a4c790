import GRDB
import Records

/// The SQLite index at DIR/index.sqlite over the record segments DIR/records/*.jsonl.
///
/// `update` indexes every record whose seq is above the highest indexed one, reading segments in
/// order from just after the last indexed line; `rebuild` drops everything and reads all segments.
/// A missing index is built. A corrupt one (not a database, wrong schema version, or its last
/// indexed line no longer what the segment holds) is moved aside and rebuilt: the index is never
/// trusted over the segments. Each update is one transaction, so readers never see half of one.
public enum RecordIndex {
    /// `written`: the records a `ChainWriter` has just appended (`ChainWriter.written`); their
    /// lines are indexed from those records, not read back, and give the same rows.
    @discardableResult
    public static func update(directory: String, written: [WrittenRecord] = []) throws(IndexError) -> IndexUpdateReport {
        let segments = try SegmentReader.segments(directory: directory)
        var (queue, notice) = try IndexStore.open(directory: directory)
        defer { try? queue.close() }
        var report = IndexUpdateReport()
        if let notice { report.notices.append(notice) }
        var staleReason: String?
        do {
            try IndexUpdater(directory: directory, segments: segments, written: written).update(queue, report: &report, rebuild: false)
        } catch let stale as StaleIndex {
            staleReason = stale.reason
        } catch let error as DatabaseError where IndexStore.isCorruption(error) {
            staleReason = "\(error)"
        } catch let error as IndexError {
            throw error
        } catch {
            throw .database(path: IndexStore.path(directory: directory), reason: "\(error)")
        }
        if let staleReason {
            let (fresh, notice) = try IndexStore.replace(queue, path: IndexStore.path(directory: directory), reason: staleReason)
            queue = fresh
            report.notices.append(notice)
            try run(queue, directory: directory, segments: segments, written: written, rebuild: false, report: &report)
        }
        return report
    }

    /// Drops every table and indexes all segments again, in one transaction.
    @discardableResult
    public static func rebuild(directory: String) throws(IndexError) -> IndexUpdateReport {
        let segments = try SegmentReader.segments(directory: directory)
        let (queue, notice) = try IndexStore.open(directory: directory)
        defer { try? queue.close() }
        var report = IndexUpdateReport()
        if let notice { report.notices.append(notice) }
        try run(queue, directory: directory, segments: segments, rebuild: true, report: &report)
        return report
    }

    private static func run(_ queue: DatabaseQueue, directory: String, segments: [Segment], written: [WrittenRecord] = [],
                            rebuild: Bool, report: inout IndexUpdateReport) throws(IndexError) {
        do {
            try IndexUpdater(directory: directory, segments: segments, written: written).update(queue, report: &report, rebuild: rebuild)
        } catch let error as IndexError {
            throw error
        } catch let stale as StaleIndex {
            throw .database(path: IndexStore.path(directory: directory), reason: stale.reason)
        } catch {
            throw .database(path: IndexStore.path(directory: directory), reason: "\(error)")
        }
    }
}

/// The index does not match the segments any more (its last indexed line changed or vanished).
struct StaleIndex: Error {
    var reason: String
}
