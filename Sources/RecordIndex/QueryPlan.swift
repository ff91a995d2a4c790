import Base
import GRDB

/// Runs one query inside one read transaction: fetches the rows, merges those that state the
/// same fact, and resolves every cited seq to its segment line.
struct QueryPlan {
    let db: Database
    let window: TimeWindow
    private let since: Int64?
    private let until: Int64?

    init(db: Database, window: TimeWindow) {
        self.db = db
        self.window = window
        since = window.since?.millisecondsSinceEpoch
        until = window.until?.millisecondsSinceEpoch
    }

    func run(_ query: RecordQuery) throws -> QueryResult {
        var processes: [ProcessSighting] = []
        var resolution: String?
        let pandaIDs: [String]
        switch query {
        case .pandaID(let id):
            pandaIDs = [id]
        case .taskID(let id):
            let fromJobs = try String.fetchAll(db, windowed(JobSighting.filter(JobSighting.Columns.taskID == id))
                .select(JobSighting.Columns.pandaID).distinct())
            let fromProcesses = try self.pandaIDs(sampled: "task_id = ?", events: "g.task_id = ?", [id])
            pandaIDs = Array(Set(fromJobs + fromProcesses))
        case .pid(let pid, let at):
            processes = try sightings(sampled: "pid = ?", events: "e.pid = ?", [pid])
            if let at { (processes, resolution) = Self.resolve(processes, at: at.millisecondsSinceEpoch) }
            pandaIDs = Array(Set(processes.compactMap(\.pandaID)))
        case .uid(let uid):
            processes = try sightings(sampled: "uid = ?", events: "g.uid = ?", [uid])
            pandaIDs = Array(Set(processes.compactMap(\.pandaID)))
        case .jobs:
            pandaIDs = try jobsSeen()
        }
        var jobRows = try pandaIDs.map(rows(forJob:)).filter { !$0.isEmpty }
        jobRows.sort { ($0.firstSeen ?? .max, $0.pandaID) < ($1.firstSeen ?? .max, $1.pandaID) }

        var seqs = Set(processes.map(\.recordSeq))
        for rows in jobRows { seqs.formUnion(rows.seqs) }
        let records = try fetchRecords(seqs)
        let references = records.mapValues { RecordReference(seq: $0.seq, file: $0.file, line: $0.line) }
        return QueryResult(
            query: query, window: window, resolution: resolution,
            processes: Self.processReports(processes, references: references),
            jobs: jobRows.map { $0.report(references: references) },
            records: records.values.sorted { $0.seq < $1.seq }.map {
                CitedRecord(seq: $0.seq, file: $0.file, line: $0.line, type: $0.type,
                            time: UTCTime(millisecondsSinceEpoch: $0.time).description, sha256: $0.sha256)
            })
    }

    /// The one process that had the PID at `at`: a sighting of it started at or before `at` and
    /// seen at or after it; failing that, the latest one started before `at`.
    static func resolve(_ sightings: [ProcessSighting], at: Int64) -> ([ProcessSighting], String?) {
        let groups = SightingGroup.group(sightings, key: \.identity, seen: { $0.firstSeen...$0.lastSeen }, seq: \.recordSeq)
        let started = groups.filter { ($0.row.startTime ?? $0.firstSeen) <= at }
        func start(_ group: SightingGroup<ProcessSighting>) -> Int64 { group.row.startTime ?? group.firstSeen }
        let running = started.filter { $0.lastSeen >= at }.max { start($0) < start($1) }
        guard let chosen = running ?? started.max(by: { start($0) < start($1) }) else { return ([], nil) }
        let resolution = running != nil
            ? "running: started \(UTCTime(millisecondsSinceEpoch: start(chosen))), last seen \(UTCTime(millisecondsSinceEpoch: chosen.lastSeen))"
            : "latest_start_before: no record saw PID \(chosen.row.pid) at that time; the latest process started before it was last seen \(UTCTime(millisecondsSinceEpoch: chosen.lastSeen))"
        return (sightings.filter { $0.identity == chosen.row.identity }, resolution)
    }

    /// One report per distinct state of each process; a job's pilot side first, then by start time.
    static func processReports(_ sightings: [ProcessSighting], references: [Int64: RecordReference],
                               pilotSideFirst: Bool = false) -> [ProcessReport] {
        SightingGroup.group(sightings, key: \.facts, seen: { $0.firstSeen...$0.lastSeen }, seq: \.recordSeq)
            .sorted { lhs, rhs in
                (pilotSideFirst ? lhs.row.roleRank : 0, lhs.row.startTime ?? .max, lhs.row.pid, lhs.firstSeen)
                    < (pilotSideFirst ? rhs.row.roleRank : 0, rhs.row.startTime ?? .max, rhs.row.pid, rhs.firstSeen)
            }
            .map { group in
                ProcessReport(sighting: group.row, firstSeen: group.firstSeen, lastSeen: group.lastSeen,
                              records: group.seqs.compactMap { references[$0] })
            }
    }

    /// The PanDA IDs of every job a record saw in the window (its own sighting, one of its
    /// processes, or a finding about it).
    private func jobsSeen() throws -> [String] {
        let jobs = try String.fetchAll(db, windowed(JobSighting.all()).select(JobSighting.Columns.pandaID).distinct())
        let processes = try self.pandaIDs(sampled: "role != 'unattributed'", events: "g.role != 'unattributed'", [])
        let findings = try String.fetchAll(db, self.findings(RecordedFinding.filter(RecordedFinding.Columns.pandaID != nil))
            .select(RecordedFinding.Columns.pandaID).distinct())
        return Array(Set(jobs + processes + findings))
    }

    private func rows(forJob pandaID: String) throws -> JobRows {
        JobRows(
            pandaID: pandaID,
            jobs: try windowed(JobSighting.filter(JobSighting.Columns.pandaID == pandaID))
                .order(JobSighting.Columns.recordSeq).fetchAll(db),
            processes: try sightings(sampled: "panda_id = ? AND role != 'unattributed'", events: "g.panda_id = ? AND g.role != 'unattributed'",
                                     [pandaID]),
            findings: try findings(RecordedFinding.filter(RecordedFinding.Columns.pandaID == pandaID))
                .order(Column.rowID).fetchAll(db))
    }

    /// The process sightings of both tables (`SightingRows`) for which a condition holds (the same
    /// condition on `process_sighting` and on an event sighting's `e` and `g`, each taking
    /// `values`) and that were seen in the window, in the order they were indexed.
    private func sightings(sampled: String, events: String, _ values: [any DatabaseValueConvertible]) throws -> [ProcessSighting] {
        let window = windowed(sampled: sampled, events: events, values)
        return try SightingRows.fetch(db, sampled: window.sampled, events: window.events, exits: window.exits, arguments: window.arguments)
    }

    /// The PanDA IDs (not null) of the sightings `sightings(sampled:events:)` would give.
    private func pandaIDs(sampled: String, events: String, _ values: [any DatabaseValueConvertible]) throws -> [String] {
        let window = windowed(sampled: sampled + " AND panda_id IS NOT NULL", events: events + " AND g.panda_id IS NOT NULL", values)
        let sql = "SELECT DISTINCT panda_id FROM process_sighting WHERE \(window.sampled) UNION "
            + "SELECT DISTINCT g.panda_id \(SightingRows.eventsFrom) WHERE \(window.events) UNION "
            + "SELECT DISTINCT g.panda_id \(SightingRows.exitsFrom) WHERE \(window.exits)"
        return try String.fetchAll(db, sql: sql, arguments: window.arguments)
    }

    /// The conditions with the window's (last seen at or after `since`, first seen at or before
    /// `until`) on `process_sighting`, on event sightings and on folded exits (`SightingRows`;
    /// `events` names `g` and `e`'s pid or start only, so it holds for both), and the arguments
    /// of the three.
    private func windowed(sampled: String, events: String, _ values: [any DatabaseValueConvertible])
        -> (sampled: String, events: String, exits: String, arguments: StatementArguments) {
        var sampled = sampled, exits = events, events = events, window: [any DatabaseValueConvertible] = []
        if let since {
            sampled += " AND last_seen >= ?"
            events += " AND e.last_seen >= ?"
            exits += " AND e.exit_last_seen >= ?"
            window.append(since)
        }
        if let until {
            sampled += " AND first_seen <= ?"
            events += " AND e.first_seen <= ?"
            exits += " AND e.exit_first_seen <= ?"
            window.append(until)
        }
        return (sampled, events, exits, StatementArguments(values + window + values + window + values + window))
    }

    private func windowed(_ request: QueryInterfaceRequest<JobSighting>) -> QueryInterfaceRequest<JobSighting> {
        var request = request
        if let since { request = request.filter(JobSighting.Columns.lastSeen >= since) }
        if let until { request = request.filter(JobSighting.Columns.firstSeen <= until) }
        return request
    }

    private func findings(_ request: QueryInterfaceRequest<RecordedFinding>) -> QueryInterfaceRequest<RecordedFinding> {
        var request = request
        if let since { request = request.filter(RecordedFinding.Columns.seen >= since) }
        if let until { request = request.filter(RecordedFinding.Columns.seen <= until) }
        return request
    }

    /// The index rows of `seqs`, fetched in chunks below SQLite's variable limit.
    private func fetchRecords(_ seqs: Set<Int64>) throws -> [Int64: IndexedRecord] {
        var records: [Int64: IndexedRecord] = [:]
        let sorted = seqs.sorted()
        for start in stride(from: 0, to: sorted.count, by: 500) {
            let chunk = Array(sorted[start..<min(start + 500, sorted.count)])
            for record in try IndexedRecord.fetchAll(db, keys: chunk) { records[record.seq] = record }
        }
        return records
    }
}
