import GRDB
import GRDBSQLite

/// Writes the index's rows through one prepared statement per table (GRDB's statement cache of
/// the connection), binding each value with SQLite's own calls: no Codable encoding, no
/// argument array and no statement lookup per row. The rows are those GRDB's records would
/// store: the same columns, values and storage classes (integers, text, booleans as 0/1, NULL
/// for nil, strings bound up to a NUL as GRDB binds them), arrays as JSONEncoder's text
/// (`IndexJSONText`). The database's own write of a row is all that is left.
struct IndexInserter {
    private let db: Database
    private let record: Statement
    private let process: Statement
    private let job: Statement
    private let finding: Statement
    /// Where the JSON columns are written before SQLite copies them.
    private let scratch = JSONScratch()

    init(_ db: Database) throws {
        self.db = db
        record = try db.cachedStatement(sql: Self.insert(into: "record", [
            "seq", "file", "line", "byte_offset", "byte_length", "type", "time", "sha256", "hostname", "boot_id",
        ]))
        process = try db.cachedStatement(sql: Self.insert(into: "process_sighting", [
            "record_seq", "role", "boot_id", "pid", "start_ticks", "start_time", "first_seen", "last_seen", "uid", "uids", "gids",
            "panda_id", "task_id", "claimed_panda_id", "pilot_boot_id", "pilot_pid", "pilot_start_ticks",
            "container_runtime", "container_image", "ns_cgroup", "ns_ipc", "ns_mnt", "ns_net", "ns_pid",
            "ns_pid_for_children", "ns_time", "ns_user", "ns_uts", "cmdline", "exe", "cgroup",
        ]))
        job = try db.cachedStatement(sql: Self.insert(into: "job_sighting", [
            "record_seq", "panda_id", "task_id", "pilot_boot_id", "pilot_pid", "pilot_start_ticks", "first_seen", "last_seen",
            "isolated", "failing_rules", "container_runtime", "container_image", "job_directory", "batch_job_id",
        ]))
        finding = try db.cachedStatement(sql: Self.insert(into: "finding", [
            "record_seq", "seen", "panda_id", "rule", "status", "severity", "pid", "message", "evidence",
        ]))
    }

    private static func insert(into table: String, _ columns: [String]) -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }

    func insert(_ row: IndexedRecord) throws {
        var values = Binder(record.sqliteStatement)
        values.bind(row.seq)
        values.bind(row.file)
        values.bind(row.line)
        values.bind(row.offset)
        values.bind(row.length)
        values.bind(row.type)
        values.bind(row.time)
        values.bind(row.sha256)
        values.bind(row.hostname)
        values.bind(row.bootID)
        try run(record, values)
    }

    func insert(_ row: ProcessSighting) throws {
        var values = Binder(process.sqliteStatement)
        values.bind(row.recordSeq)
        values.bind(row.role)
        values.bind(row.bootID)
        values.bind(row.pid)
        values.bind(row.startTicks)
        values.bind(row.startTime)
        values.bind(row.firstSeen)
        values.bind(row.lastSeen)
        values.bind(row.uid)
        values.bind(row.uids, scratch)
        values.bind(row.gids, scratch)
        values.bind(row.pandaID)
        values.bind(row.taskID)
        values.bind(row.claimedPandaID)
        values.bind(row.pilotBootID)
        values.bind(row.pilotPID)
        values.bind(row.pilotStartTicks)
        values.bind(row.containerRuntime)
        values.bind(row.containerImage)
        values.bind(row.nsCgroup)
        values.bind(row.nsIPC)
        values.bind(row.nsMnt)
        values.bind(row.nsNet)
        values.bind(row.nsPID)
        values.bind(row.nsPIDForChildren)
        values.bind(row.nsTime)
        values.bind(row.nsUser)
        values.bind(row.nsUTS)
        values.bind(row.cmdline, scratch)
        values.bind(row.exe)
        values.bind(row.cgroup)
        try run(process, values)
    }

    func insert(_ row: JobSighting) throws {
        var values = Binder(job.sqliteStatement)
        values.bind(row.recordSeq)
        values.bind(row.pandaID)
        values.bind(row.taskID)
        values.bind(row.pilotBootID)
        values.bind(row.pilotPID)
        values.bind(row.pilotStartTicks)
        values.bind(row.firstSeen)
        values.bind(row.lastSeen)
        values.bind(row.isolated.map { $0 ? Int64(1) : 0 })
        values.bind(row.failingRules, scratch)
        values.bind(row.containerRuntime)
        values.bind(row.containerImage)
        values.bind(row.jobDirectory)
        values.bind(row.batchJobID)
        try run(job, values)
    }

    func insert(_ row: RecordedFinding) throws {
        var values = Binder(finding.sqliteStatement)
        values.bind(row.recordSeq)
        values.bind(row.seen)
        values.bind(row.pandaID)
        values.bind(row.rule)
        values.bind(row.status)
        values.bind(row.severity)
        values.bind(row.pid)
        values.bind(row.message)
        values.bind(row.evidence)
        try run(finding, values)
    }

    /// Steps the statement once (an INSERT gives no row) and resets it for the next row.
    private func run(_ statement: Statement, _ values: Binder) throws {
        if let failed = values.failure {
            sqlite3_reset(statement.sqliteStatement)
            throw DatabaseError(resultCode: ResultCode(rawValue: failed), message: db.lastErrorMessage, sql: statement.sql)
        }
        let code = sqlite3_step(statement.sqliteStatement)
        guard code == SQLITE_DONE else {
            let message = db.lastErrorMessage
            sqlite3_reset(statement.sqliteStatement)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        sqlite3_reset(statement.sqliteStatement)
    }
}

/// Binds a statement's parameters in order, 1 to N; remembers the first failure.
private struct Binder {
    let statement: SQLiteStatement
    var index: CInt = 0
    var failure: CInt?

    init(_ statement: SQLiteStatement) { self.statement = statement }

    /// SQLite copies the bytes before the call returns (what GRDB does for a bound string).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    private static let empty: StaticString = ""

    mutating func bind(_ value: Int64?) {
        index += 1
        check(value.map { sqlite3_bind_int64(statement, index, $0) } ?? sqlite3_bind_null(statement, index))
    }

    /// A string up to its first NUL, if it has one (GRDB binds a NUL-terminated copy).
    mutating func bind(_ value: String?) {
        index += 1
        guard var value else { return check(sqlite3_bind_null(statement, index)) }
        check(value.withUTF8 { bytes in
            let length = bytes.firstIndex(of: 0) ?? bytes.count
            // An empty string is text, not NULL: never a nil pointer.
            let start = UnsafeRawPointer(bytes.baseAddress ?? Self.empty.utf8Start).assumingMemoryBound(to: CChar.self)
            return sqlite3_bind_text(statement, index, start, CInt(length), Self.transient)
        })
    }

    /// An array as its JSON text (`IndexJSONText`, which escapes every control character).
    mutating func bind(_ value: [Int64]?, _ scratch: JSONScratch) {
        guard let value else { return bind(nil as Int64?) }
        IndexJSONText.write(value, into: scratch)
        bindText(scratch)
    }

    mutating func bind(_ value: [String]?, _ scratch: JSONScratch) {
        guard let value else { return bind(nil as Int64?) }
        IndexJSONText.write(value, into: scratch)
        bindText(scratch)
    }

    private mutating func bindText(_ scratch: JSONScratch) {
        index += 1
        let start = UnsafeRawPointer(scratch.base).assumingMemoryBound(to: CChar.self)
        check(sqlite3_bind_text(statement, index, start, CInt(scratch.count), Self.transient))
    }

    private mutating func check(_ code: CInt) {
        if code != SQLITE_OK && failure == nil { failure = code }
    }
}
