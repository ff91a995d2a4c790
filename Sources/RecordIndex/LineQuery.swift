import GRDB

/// A record line from somewhere other than this node's segments (a central database), with the
/// segment file and line number it had on its node, so that answers cite it as the node would.
public struct SourcedLine: Sendable {
    public var file: String
    public var line: Int64
    public var bytes: [UInt8]

    public init(file: String, line: Int64, bytes: [UInt8]) {
        self.file = file
        self.line = line
        self.bytes = bytes
    }
}

extension RecordIndex {
    /// Answers `query` over `lines` (one node's chain, any order) with the same plan as the index
    /// on disk: the lines are indexed into an in-memory database first. Lines that are not
    /// records are skipped and returned as problems.
    public static func query(lines: [SourcedLine], _ query: RecordQuery, window: TimeWindow = TimeWindow())
        throws(IndexError) -> (result: QueryResult, problems: [IndexProblem]) {
        do {
            let queue = try DatabaseQueue()
            return try queue.write { db in
                try IndexSchema.create(db)
                let ingester = RecordIngester()
                var problems: [IndexProblem] = []
                var seen = Set<Int64>()
                for line in lines {
                    let segmentLine = SegmentLine(file: line.file, line: line.line, offset: 0, bytes: line.bytes, complete: true)
                    if case .failure(let problem) = try ingester.ingest(segmentLine, after: nil, into: db, skipping: &seen) {
                        problems.append(problem)
                    }
                }
                return (try QueryPlan(db: db, window: window).run(query), problems)
            }
        } catch let error as IndexError {
            throw error
        } catch {
            throw .database(path: ":memory:", reason: "\(error)")
        }
    }
}
