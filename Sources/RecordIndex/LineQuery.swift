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
        let index = try LineIndex(lines: lines)
        return (try index.run(query, window: window), index.problems)
    }
}

/// An index of some record lines in memory (the central store's lines of one node, or the
/// signed lines a verified query re-derives its answer from), queried with the same plan as the
/// index on disk, so that both answer in the same shape and can be compared.
struct LineIndex {
    private let queue: DatabaseQueue
    /// Lines that are not records (skipped).
    private(set) var problems: [IndexProblem] = []

    init(lines: [SourcedLine]) throws(IndexError) {
        do {
            queue = try DatabaseQueue()
            problems = try queue.write { db in
                try IndexSchema.create(db)
                let ingester = RecordIngester()
                let inserter = try IndexInserter(db)
                var problems: [IndexProblem] = []
                var seen = Set<Int64>()
                for line in lines.sorted(by: { ($0.file, $0.line) < ($1.file, $1.line) }) {
                    let segmentLine = SegmentLine(file: line.file, line: line.line, offset: 0, bytes: line.bytes, complete: true)
                    if case .failure(let problem) = try ingester.ingest(segmentLine, after: nil, into: inserter, skipping: &seen) {
                        problems.append(problem)
                    }
                }
                try inserter.finish()
                return problems
            }
        } catch let error as IndexError {
            throw error
        } catch {
            throw .database(path: ":memory:", reason: "\(error)")
        }
    }

    func run(_ query: RecordQuery, window: TimeWindow) throws(IndexError) -> QueryResult {
        do {
            return try queue.read { db in try QueryPlan(db: db, window: window).run(query) }
        } catch {
            throw .database(path: ":memory:", reason: "\(error)")
        }
    }
}
