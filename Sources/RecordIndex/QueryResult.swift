import Base

/// The answer to a `RecordQuery`: the processes (for --pid and --uid) and jobs found, and every
/// record cited anywhere in it.
public struct QueryResult: Encodable, Equatable, Sendable {
    public var query: RecordQuery
    public var window: TimeWindow
    /// For `--pid P --at T`: how the one process was chosen (`running` when a record saw it at or
    /// after T, `latest_start_before` when none did and the latest start before T was taken).
    public var resolution: String?
    public var processes: [ProcessReport]
    public var jobs: [JobReport]
    public var records: [CitedRecord]

    public var isEmpty: Bool { processes.isEmpty && jobs.isEmpty }

    /// "PanDA job 4267387837", "PID 31337 at 2026-...", for messages.
    public var subject: String { query.subject }

    enum CodingKeys: String, CodingKey { case query, resolution, processes, jobs, records }
    enum QueryKeys: String, CodingKey { case pandaID = "panda_id", taskID = "task_id", pid, at, uid, jobs, since, until }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var nested = container.nestedContainer(keyedBy: QueryKeys.self, forKey: .query)
        try Self.encode(query, window: window, into: &nested)
        try container.encodeValueOrNull(resolution, forKey: .resolution)
        try container.encode(processes, forKey: .processes)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(records, forKey: .records)
    }

    /// `"query": {"panda_id" | "task_id" | "pid", "at" | "uid" | "jobs", "since", "until"}`.
    static func encode(_ query: RecordQuery, window: TimeWindow, into nested: inout KeyedEncodingContainer<QueryKeys>) throws {
        switch query {
        case .pandaID(let id): try nested.encode(id, forKey: .pandaID)
        case .taskID(let id): try nested.encode(id, forKey: .taskID)
        case .pid(let pid, let at):
            try nested.encode(pid, forKey: .pid)
            try nested.encodeValueOrNull(at?.description, forKey: .at)
        case .uid(let uid): try nested.encode(uid, forKey: .uid)
        case .jobs: try nested.encode(true, forKey: .jobs)
        }
        try nested.encodeValueOrNull(window.since?.description, forKey: .since)
        try nested.encodeValueOrNull(window.until?.description, forKey: .until)
    }
}
