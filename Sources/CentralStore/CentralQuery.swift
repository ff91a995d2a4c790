import PostgresNIO
import RecordIndex

/// One node's chain's answer to a query across nodes.
public struct NodeQueryResult: Encodable, Sendable {
    public var node: String
    public var keyID: String
    public var result: QueryResult
    /// Stored lines that could not be read as records.
    public var problems: [String]

    enum CodingKeys: String, CodingKey { case node, keyID = "key_id", result, problems }
}

/// The answer across all nodes: one entry per node chain that has matching records.
public struct CentralQueryResult: Encodable, Sendable {
    public var nodes: [NodeQueryResult]
    public var isEmpty: Bool { nodes.allSatisfy { $0.result.isEmpty } }
}

extension CentralDatabase {
    /// Answers `query` across every node: finds the stored lines that mention the PanDA ID, task,
    /// PID or uid (GIN indexes on the extracted arrays), adds for --pid, --uid and --task-id the
    /// lines of the jobs found, and runs the local query plan on each node chain's lines, so the
    /// answer has the local query's shape and cites each node's own segment lines.
    public func query(_ query: RecordQuery, window: TimeWindow = TimeWindow(), node: String? = nil) async throws(SinkError) -> CentralQueryResult {
        let condition: PostgresQuery
        switch query {
        case .pandaID(let id): condition = "panda_ids @> ARRAY[\(id)]::text[] AND (\(node)::text IS NULL OR node = \(node))"
        case .taskID(let id): condition = "task_ids @> ARRAY[\(id)]::text[] AND (\(node)::text IS NULL OR node = \(node))"
        case .pid(let pid, _): condition = "pids @> ARRAY[\(pid)]::bigint[] AND (\(node)::text IS NULL OR node = \(node))"
        case .uid(let uid): condition = "uids @> ARRAY[\(uid)]::bigint[] AND (\(node)::text IS NULL OR node = \(node))"
        case .jobs: condition = "cardinality(panda_ids) > 0 AND (\(node)::text IS NULL OR node = \(node))"
        }
        var chains = try await lines(where: condition)
        var nodes: [NodeQueryResult] = []
        for keyID in chains.keys.sorted() {
            var chain = chains[keyID]!
            var (result, problems) = try answer(query, window: window, chain.lines)
            if case .pandaID = query {} else {
                let jobs = Array(Set(result.jobs.map(\.pandaID) + result.processes.compactMap(\.pandaID))).sorted()
                if !jobs.isEmpty {
                    let more = try await lines(where: "key_id = \(keyID) AND panda_ids && \(jobs)::text[]")[keyID]?.lines ?? []
                    let known = Set(chain.lines.map { "\($0.file):\($0.line)" })
                    chain.lines += more.filter { !known.contains("\($0.file):\($0.line)") }
                    (result, problems) = try answer(query, window: window, chain.lines)
                }
            }
            chains[keyID] = chain
            if !result.isEmpty {
                nodes.append(NodeQueryResult(node: chain.node, keyID: keyID, result: result, problems: problems.map(\.description)))
            }
        }
        nodes.sort { ($0.node, $0.keyID) < ($1.node, $1.keyID) }
        return CentralQueryResult(nodes: nodes)
    }

    private func answer(_ query: RecordQuery, window: TimeWindow, _ lines: [SourcedLine]) throws(SinkError) -> (QueryResult, [IndexProblem]) {
        do {
            return try RecordIndex.query(lines: lines, query, window: window)
        } catch {
            throw .local("query: \(error)")
        }
    }

    struct Chain {
        var node: String
        var lines: [SourcedLine]
    }

    private func lines(where condition: PostgresQuery) async throws(SinkError) -> [String: Chain] {
        let sql = PostgresQuery(
            unsafeSQL: "SELECT key_id, node, segment, line_no, line FROM isotrace.record WHERE \(condition.sql) ORDER BY key_id, seq",
            binds: condition.binds)
        var chains: [String: Chain] = [:]
        let rows = try await run(sql, "query records")
        for (keyID, node, segment, lineNumber, line) in try Self.decode(rows, as: (String, String, String, Int64, String).self) {
            chains[keyID, default: Chain(node: node, lines: [])].lines.append(SourcedLine(file: segment, line: lineNumber, bytes: Array(line.utf8)))
        }
        return chains
    }
}
