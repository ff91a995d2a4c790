import Glibc
import GRDB
import GRDBSQLite
import Records

/// Writes the index's rows through prepared statements (GRDB's statement cache of the
/// connection), binding each value with SQLite's own calls: no Codable encoding, no argument
/// array and no statement lookup per row; text is bound from bytes the inserter keeps until the
/// statement has run (`BindArena`), so SQLite copies none of it. Rows of a table are written sixteen to a statement
/// (`INSERT ... VALUES (...), (...)`, in the order they came, so their ids are as one by one);
/// `finish()` writes what is left, and must be called before the transaction commits. A row
/// that names a record (`record_seq`) is never written before that record's row: the record
/// rows held back are written first, so the foreign keys hold at every statement (the in-memory
/// index of `query --verify` checks them).
///
/// Every process sighting gets its `id` here, one numbering for `process_sighting` and
/// `event_sighting` (the next after the highest of both), so that reading both back in `id` order
/// gives the order they were inserted in. An event sighting (`insertEvent`) is split: what it
/// states alike with the sightings just before it of the same record (`EventGroupFacts`) goes once
/// into an `event_group` row, which is written when the group ends (`endGroup`, or a sighting
/// stating other shared facts) with the range of ids it covers, before its sightings' rows. The
/// sightings' rows are held until the update ends (`finish`), so that a process's `exit`
/// sighting folds into the row of its `process` sighting (`add`, `IndexSchema`).
///
/// The rows are those GRDB's records would store: the same columns, values and storage classes
/// (integers, text, booleans as 0/1, NULL for nil, strings bound up to a NUL as GRDB binds
/// them), arrays as JSONEncoder's text (`IndexJSONText`).
final class IndexInserter {
    private let records: TableInserter<IndexedRecord>
    private let processes: TableInserter<IdentifiedSighting>
    private let jobs: TableInserter<JobSighting>
    private let findings: TableInserter<RecordedFinding>
    private let groups: TableInserter<EventGroup>
    private let events: TableInserter<EventSighting>
    /// The next process sighting's id, and the next event group's.
    private var nextID: Int64
    private var nextGroupID: Int64
    /// The group being filled, and its sightings (written after it).
    private var group: EventGroup?
    private var grouped: [EventSighting] = []
    /// Event sightings of ended groups, held back so that the `exit` sighting of a process whose
    /// `process` sighting is among them folds into its row (`add`); written by `finish()`, or
    /// when `heldLimit` are held.
    private var held: [EventSighting] = []
    /// Of the held rows of `process` records, not folded into yet: where each is, and its boot ID.
    private var foldable: [FoldKey: (index: Int, bootID: String)] = [:]
    private static let heldLimit = 100_000

    /// `expectedSightings`: at most how many event sightings the update brings (the process facts
    /// of the writer's records handed over), room made for them at once: the held rows and the
    /// map of those folded into, grown from nothing, were copied and rehashed at each doubling.
    init(_ db: Database, expectedSightings: Int = 0) throws {
        let scratch = JSONScratch()
        records = try TableInserter(db, scratch)
        processes = try TableInserter(db, scratch)
        jobs = try TableInserter(db, scratch)
        findings = try TableInserter(db, scratch)
        groups = try TableInserter(db, scratch)
        events = try TableInserter(db, scratch)
        nextID = try Int64.fetchOne(db, sql: """
            SELECT max(coalesce((SELECT max(id) FROM process_sighting), 0), coalesce((SELECT max(id) FROM event_sighting), 0),
                       coalesce((SELECT max(exit_id) FROM event_sighting), 0)) + 1
            """) ?? 1
        nextGroupID = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) + 1 FROM event_group") ?? 1
        let room = min(max(expectedSightings, 0), Self.heldLimit)
        if room > 0 {
            held.reserveCapacity(room)
            foldable.reserveCapacity(room)
        }
    }

    func insert(_ row: IndexedRecord) throws { try records.insert(row) }
    func insert(_ row: JobSighting) throws { try jobs.insert(row, writingFirst: records.finish) }
    func insert(_ row: RecordedFinding) throws { try findings.insert(row, writingFirst: records.finish) }

    func insert(_ row: ProcessSighting) throws {
        try processes.insert(IdentifiedSighting(id: nextID, sighting: row), writingFirst: records.finish)
        nextID += 1
    }

    /// An event sighting: in the group being filled when it states the same shared facts, else
    /// in a new one (the one being filled ends). `exit`: it is an `exit` record's.
    func insertEvent(_ row: ProcessSighting, exit: Bool) throws {
        if group?.facts.isShared(by: row) != true {
            try endGroup()
            group = EventGroup(id: nextGroupID, facts: EventGroupFacts(row))
            nextGroupID += 1
        }
        add(pid: row.pid, startTicks: row.startTicks, startTime: row.startTime, firstSeen: row.firstSeen, lastSeen: row.lastSeen,
            cmdline: row.cmdline, exe: row.exe, bootID: row.bootID, exit: exit)
    }

    /// An event sighting as the facts a writer handed over state it (`RecordIngester` reads
    /// `role`, `bootID` and the times as for `ProcessSighting`): the rows `insertEvent(_:exit:)`
    /// writes for the sighting made of them, taken from the facts in place.
    func insertEvent(_ facts: ProcessFacts, recordSeq: Int64, role: String, bootID: String, startTime: Int64?,
                     firstSeen: Int64, lastSeen: Int64, exit: Bool) throws {
        if group == nil || !group!.facts.isSharedInPlace(by: facts, recordSeq: recordSeq, role: role, bootID: bootID) {
            try endGroup()
            group = EventGroup(id: nextGroupID, facts: EventGroupFacts(facts, recordSeq: recordSeq, role: role, bootID: bootID))
            nextGroupID += 1
        }
        add(pid: facts.pid, startTicks: facts.startTicks, startTime: startTime, firstSeen: firstSeen, lastSeen: lastSeen,
            cmdline: facts.cmdline, exe: facts.exe, bootID: bootID, exit: exit)
    }

    /// A sighting of the group being filled, with the next id: its own row, or, for the `exit`
    /// sighting of a process whose `process` sighting is held (same PID, start ticks, boot ID and
    /// start time; no command line or executable of its own), folded into that row (`exit_id`,
    /// `exit_group_id`, its first and last seen): the sighting `SightingRows` reads back is the
    /// same, at one row a process instead of two.
    private func add(pid: Int64, startTicks: Int64, startTime: Int64?, firstSeen: Int64, lastSeen: Int64,
                     cmdline: [String]?, exe: String?, bootID: String, exit: Bool) {
        let id = nextID
        nextID += 1
        let key = FoldKey(pid: pid, startTicks: startTicks)
        if exit, cmdline == nil, exe == nil, let fold = foldable[key], fold.index < held.count, fold.bootID == bootID,
           held[fold.index].startTime == startTime {
            foldable[key] = nil
            held[fold.index].exitID = id
            held[fold.index].exitGroupID = group!.id
            held[fold.index].exitFirstSeen = firstSeen
            held[fold.index].exitLastSeen = lastSeen
            group!.cover(held[fold.index].id)
            return
        }
        group!.cover(id)
        if !exit { foldable[key] = (held.count + grouped.count, bootID) }
        grouped.append(EventSighting(id: id, groupID: group!.id, pid: pid, startTicks: startTicks, startTime: startTime,
                                     firstSeen: firstSeen, lastSeen: lastSeen, cmdline: cmdline, exe: exe))
    }

    /// Ends the group being filled: its row is written, its sightings held (`held`).
    func endGroup() throws {
        guard let ended = group else { return }
        group = nil
        try groups.insert(ended, writingFirst: records.finish)
        held.append(contentsOf: grouped)
        grouped.removeAll(keepingCapacity: true)
        if held.count >= Self.heldLimit { try writeHeld() }
    }

    /// Writes the held sightings, after the group rows they name; none can be folded into after.
    private func writeHeld() throws {
        for row in held { try events.insert(row, writingFirst: writeGroups) }
        held.removeAll(keepingCapacity: true)
        foldable.removeAll(keepingCapacity: true)
    }

    /// The record and group rows held back, before sightings that name them.
    private func writeGroups() throws {
        try records.finish()
        try groups.finish()
    }

    /// Writes the rows still held back.
    func finish() throws {
        try endGroup()
        try writeHeld()
        try records.finish()
        try processes.finish()
        try groups.finish()
        try events.finish()
        try jobs.finish()
        try findings.finish()
    }
}

/// A `process_sighting` row: the sighting and the id the inserter gave it.
struct IdentifiedSighting {
    var id: Int64
    var sighting: ProcessSighting
}

/// What an event sighting shares with the others of its group: every column of its
/// `process_sighting` row but those `SightingRows.eventColumns` names. Compared byte for byte
/// (`isShared(by:)`).
struct EventGroupFacts {
    var recordSeq: Int64
    var role: String
    var bootID: String
    var uid: Int64?
    var uids: [Int64]?
    var gids: [Int64]?
    var pandaID: String?
    var taskID: String?
    var claimedPandaID: String?
    var pilotBootID: String?
    var pilotPID: Int64?
    var pilotStartTicks: Int64?
    var containerRuntime: String?
    var containerImage: String?
    var nsCgroup: Int64?
    var nsIPC: Int64?
    var nsMnt: Int64?
    var nsNet: Int64?
    var nsPID: Int64?
    var nsPIDForChildren: Int64?
    var nsTime: Int64?
    var nsUser: Int64?
    var nsUTS: Int64?
    var cgroup: String?

    init(_ s: ProcessSighting) {
        recordSeq = s.recordSeq
        role = s.role
        bootID = s.bootID
        uid = s.uid
        uids = s.uids
        gids = s.gids
        pandaID = s.pandaID
        taskID = s.taskID
        claimedPandaID = s.claimedPandaID
        pilotBootID = s.pilotBootID
        pilotPID = s.pilotPID
        pilotStartTicks = s.pilotStartTicks
        containerRuntime = s.containerRuntime
        containerImage = s.containerImage
        nsCgroup = s.nsCgroup
        nsIPC = s.nsIPC
        nsMnt = s.nsMnt
        nsNet = s.nsNet
        nsPID = s.nsPID
        nsPIDForChildren = s.nsPIDForChildren
        nsTime = s.nsTime
        nsUser = s.nsUser
        nsUTS = s.nsUTS
        cgroup = s.cgroup
    }
}

extension EventGroupFacts {
    /// What the sighting `IndexInserter.insertEvent(_:recordSeq:...)` makes of these facts shares.
    init(_ f: ProcessFacts, recordSeq: Int64, role: String, bootID: String) {
        self.recordSeq = recordSeq
        self.role = role
        self.bootID = bootID
        uid = f.uid
        uids = f.uids
        gids = f.gids
        pandaID = f.pandaID
        taskID = f.taskID
        claimedPandaID = nil
        pilotBootID = f.pilot.map { $0.bootID ?? bootID }
        pilotPID = f.pilot?.pid
        pilotStartTicks = f.pilot?.startTicks
        containerRuntime = f.container?.runtime
        containerImage = f.container?.image
        let ns = f.namespaces
        nsCgroup = ns.cgroup
        nsIPC = ns.ipc
        nsMnt = ns.mnt
        nsNet = ns.net
        nsPID = ns.pid
        nsPIDForChildren = ns.pidForChildren
        nsTime = ns.time
        nsUser = ns.user
        nsUTS = ns.uts
        cgroup = f.cgroup
    }

    /// Whether `row` states these facts, byte for byte (Swift's `==` on strings takes canonically
    /// equivalent ones as equal; the index keeps each one's bytes).
    func isShared(by s: ProcessSighting) -> Bool {
        recordSeq == s.recordSeq && Self.same(role, s.role) && Self.same(bootID, s.bootID) && uid == s.uid && uids == s.uids
            && gids == s.gids && Self.same(pandaID, s.pandaID) && Self.same(taskID, s.taskID)
            && Self.same(claimedPandaID, s.claimedPandaID) && Self.same(pilotBootID, s.pilotBootID)
            && pilotPID == s.pilotPID && pilotStartTicks == s.pilotStartTicks && Self.same(containerRuntime, s.containerRuntime)
            && Self.same(containerImage, s.containerImage) && nsCgroup == s.nsCgroup && nsIPC == s.nsIPC && nsMnt == s.nsMnt
            && nsNet == s.nsNet && nsPID == s.nsPID && nsPIDForChildren == s.nsPIDForChildren && nsTime == s.nsTime
            && nsUser == s.nsUser && nsUTS == s.nsUTS && Self.same(cgroup, s.cgroup)
    }

    /// As `isShared(by:)` for the sighting `IndexInserter.insertEvent(_:recordSeq:...)` makes of
    /// these facts (no job, no claimed PanDA ID; the pilot's boot ID defaults to `bootID`).
    func isShared(by f: ProcessFacts, recordSeq seq: Int64, role r: String, bootID b: String) -> Bool {
        let ns = f.namespaces
        guard recordSeq == seq, uid == f.uid, pilotPID == f.pilot?.pid, pilotStartTicks == f.pilot?.startTicks,
              nsCgroup == ns.cgroup, nsIPC == ns.ipc, nsMnt == ns.mnt, nsNet == ns.net, nsPID == ns.pid,
              nsPIDForChildren == ns.pidForChildren, nsTime == ns.time, nsUser == ns.user, nsUTS == ns.uts,
              claimedPandaID == nil, uids == f.uids, gids == f.gids,
              Self.same(role, r), Self.same(bootID, b), Self.same(pandaID, f.pandaID), Self.same(taskID, f.taskID),
              Self.same(containerRuntime, f.container?.runtime), Self.same(containerImage, f.container?.image),
              Self.same(cgroup, f.cgroup) else { return false }
        guard let pilot = f.pilot else { return pilotBootID == nil }
        return Self.same(pilotBootID, pilot.bootID ?? b)
    }

    /// `isShared(by:recordSeq:role:bootID:)`, `mutating` only so that the inserter's group is
    /// compared where it is: reading a class's stored struct to call a method on it copies it
    /// (every string and array retained and released again, for each sighting).
    mutating func isSharedInPlace(by f: ProcessFacts, recordSeq seq: Int64, role r: String, bootID b: String) -> Bool {
        isShared(by: f, recordSeq: seq, role: r, bootID: b)
    }

    private static func same(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?):
            // Native strings: their bytes where they are; else (bridged, lazy) one by one.
            let same = a.utf8.withContiguousStorageIfAvailable { x in
                b.utf8.withContiguousStorageIfAvailable { y in
                    x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
                }
            }
            return (same ?? nil) ?? a.utf8.elementsEqual(b.utf8)
        default: return false
        }
    }
}

/// An `event_group` row: the shared facts of its event sightings, whose rows have ids in
/// `firstID`...`lastID` (their own rows, `group_id`, or rows they are folded into, `exit_group_id`).
struct EventGroup {
    var id: Int64
    var firstID = Int64.max
    var lastID = Int64.min
    var facts: EventGroupFacts

    init(id: Int64, facts: EventGroupFacts) {
        self.id = id
        self.facts = facts
    }

    /// The range covers the row `rowID`.
    mutating func cover(_ rowID: Int64) {
        firstID = min(firstID, rowID)
        lastID = max(lastID, rowID)
    }
}

/// A process's `process` sighting that an `exit` sighting may fold into.
struct FoldKey: Hashable {
    var pid: Int64
    var startTicks: Int64
}

/// An `event_sighting` row: what one event sighting states apart from its group, and the `exit`
/// sighting folded into it, if any (its id and group; its PID and start are the row's, it has
/// no command line or executable).
struct EventSighting {
    var id: Int64
    var groupID: Int64
    var pid: Int64
    var startTicks: Int64
    var startTime: Int64?
    var firstSeen: Int64
    var lastSeen: Int64
    var cmdline: [String]?
    var exe: String?
    var exitID: Int64?
    var exitGroupID: Int64?
    var exitFirstSeen: Int64?
    var exitLastSeen: Int64?
}

/// A row of an index table: its columns, and its values bound in that order.
protocol IndexRow {
    static var table: String { get }
    static var columns: [String] { get }
    func bind(_ values: inout Binder, _ scratch: JSONScratch)
}

/// One table's inserts: rows held until there are `batch` of them for the many-row statement;
/// the last ones written one by one.
private final class TableInserter<Row: IndexRow> {
    static var batch: Int { 64 }

    private let db: Database
    private let scratch: JSONScratch
    private let arena = BindArena()
    private let single: Statement
    private let many: Statement
    private var pending: [Row] = []

    init(_ db: Database, _ scratch: JSONScratch) throws {
        self.db = db
        self.scratch = scratch
        let values = "(" + Array(repeating: "?", count: Row.columns.count).joined(separator: ", ") + ")"
        let head = "INSERT INTO \(Row.table) (\(Row.columns.joined(separator: ", "))) VALUES "
        single = try db.cachedStatement(sql: head + values)
        many = try db.cachedStatement(sql: head + Array(repeating: values, count: Self.batch).joined(separator: ", "))
        pending.reserveCapacity(Self.batch)
    }

    /// Holds `row` back until there are `batch`; `writingFirst` runs before this table's
    /// statement (the referenced table's held-back rows).
    func insert(_ row: Row, writingFirst: () throws -> Void = {}) throws {
        pending.append(row)
        guard pending.count == Self.batch else { return }
        try writingFirst()
        var values = Binder(many.sqliteStatement, arena)
        for row in pending { row.bind(&values, scratch) }
        pending.removeAll(keepingCapacity: true)
        try run(many, values)
    }

    func finish() throws {
        defer { pending.removeAll(keepingCapacity: true) }
        for row in pending {
            var values = Binder(single.sqliteStatement, arena)
            row.bind(&values, scratch)
            try run(single, values)
        }
    }

    /// Steps the statement once (an INSERT gives no row) and resets it for the next rows.
    private func run(_ statement: Statement, _ values: Binder) throws {
        defer { arena.reset() }
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

extension IndexedRecord: IndexRow {
    static let table = "record"
    static let columns = ["seq", "file", "line", "byte_offset", "byte_length", "type", "time", "sha256", "hostname", "boot_id"]

    func bind(_ values: inout Binder, _ scratch: JSONScratch) {
        values.bind(seq)
        values.bind(file)
        values.bind(line)
        values.bind(offset)
        values.bind(length)
        values.bind(type)
        values.bind(time)
        values.bind(sha256)
        values.bind(hostname)
        values.bind(bootID)
    }
}

extension IdentifiedSighting: IndexRow {
    static let table = "process_sighting"
    static var columns: [String] { SightingRows.columns }

    func bind(_ values: inout Binder, _ scratch: JSONScratch) {
        values.bind(id)
        sighting.bind(&values, scratch)
    }
}

extension EventGroup: IndexRow {
    static let table = "event_group"
    static let columns = [
        "id", "record_seq", "first_id", "last_id", "role", "boot_id", "uid", "uids", "gids",
        "panda_id", "task_id", "claimed_panda_id", "pilot_boot_id", "pilot_pid", "pilot_start_ticks",
        "container_runtime", "container_image", "ns_cgroup", "ns_ipc", "ns_mnt", "ns_net", "ns_pid",
        "ns_pid_for_children", "ns_time", "ns_user", "ns_uts", "cgroup",
    ]

    func bind(_ values: inout Binder, _ scratch: JSONScratch) {
        values.bind(id)
        values.bind(facts.recordSeq)
        values.bind(firstID)
        values.bind(lastID)
        values.bind(facts.role)
        values.bind(facts.bootID)
        values.bind(facts.uid)
        values.bind(facts.uids, scratch)
        values.bind(facts.gids, scratch)
        values.bind(facts.pandaID)
        values.bind(facts.taskID)
        values.bind(facts.claimedPandaID)
        values.bind(facts.pilotBootID)
        values.bind(facts.pilotPID)
        values.bind(facts.pilotStartTicks)
        values.bind(facts.containerRuntime)
        values.bind(facts.containerImage)
        values.bind(facts.nsCgroup)
        values.bind(facts.nsIPC)
        values.bind(facts.nsMnt)
        values.bind(facts.nsNet)
        values.bind(facts.nsPID)
        values.bind(facts.nsPIDForChildren)
        values.bind(facts.nsTime)
        values.bind(facts.nsUser)
        values.bind(facts.nsUTS)
        values.bind(facts.cgroup)
    }
}

extension EventSighting: IndexRow {
    static let table = "event_sighting"
    static let columns = ["id", "group_id", "pid", "start_ticks", "start_time", "first_seen", "last_seen", "cmdline", "exe",
                          "exit_id", "exit_group_id", "exit_first_seen", "exit_last_seen"]

    func bind(_ values: inout Binder, _ scratch: JSONScratch) {
        values.bind(id)
        values.bind(groupID)
        values.bind(pid)
        values.bind(startTicks)
        values.bind(startTime)
        values.bind(firstSeen)
        values.bind(lastSeen)
        values.bind(cmdline, scratch)
        values.bind(exe)
        values.bind(exitID)
        values.bind(exitGroupID)
        values.bind(exitFirstSeen)
        values.bind(exitLastSeen)
    }
}

extension ProcessSighting {
    /// The columns of `SightingRows.columns` after `id`, in that order.
    func bind(_ values: inout Binder, _ scratch: JSONScratch) {
        values.bind(recordSeq)
        values.bind(role)
        values.bind(bootID)
        values.bind(pid)
        values.bind(startTicks)
        values.bind(startTime)
        values.bind(firstSeen)
        values.bind(lastSeen)
        values.bind(uid)
        values.bind(uids, scratch)
        values.bind(gids, scratch)
        values.bind(pandaID)
        values.bind(taskID)
        values.bind(claimedPandaID)
        values.bind(pilotBootID)
        values.bind(pilotPID)
        values.bind(pilotStartTicks)
        values.bind(containerRuntime)
        values.bind(containerImage)
        values.bind(nsCgroup)
        values.bind(nsIPC)
        values.bind(nsMnt)
        values.bind(nsNet)
        values.bind(nsPID)
        values.bind(nsPIDForChildren)
        values.bind(nsTime)
        values.bind(nsUser)
        values.bind(nsUTS)
        values.bind(cmdline, scratch)
        values.bind(exe)
        values.bind(cgroup)
    }
}

extension JobSighting: IndexRow {
    static let table = "job_sighting"
    static let columns = [
        "record_seq", "panda_id", "task_id", "pilot_boot_id", "pilot_pid", "pilot_start_ticks", "first_seen", "last_seen",
        "isolated", "failing_rules", "container_runtime", "container_image", "job_directory", "batch_job_id",
    ]

    func bind(_ values: inout Binder, _ scratch: JSONScratch) {
        values.bind(recordSeq)
        values.bind(pandaID)
        values.bind(taskID)
        values.bind(pilotBootID)
        values.bind(pilotPID)
        values.bind(pilotStartTicks)
        values.bind(firstSeen)
        values.bind(lastSeen)
        values.bind(isolated.map { $0 ? Int64(1) : 0 })
        values.bind(failingRules, scratch)
        values.bind(containerRuntime)
        values.bind(containerImage)
        values.bind(jobDirectory)
        values.bind(batchJobID)
    }
}

extension RecordedFinding: IndexRow {
    static let table = "finding"
    static let columns = ["record_seq", "seen", "panda_id", "rule", "status", "severity", "pid", "message", "evidence"]

    func bind(_ values: inout Binder, _ scratch: JSONScratch) {
        values.bind(recordSeq)
        values.bind(seen)
        values.bind(pandaID)
        values.bind(rule)
        values.bind(status)
        values.bind(severity)
        values.bind(pid)
        values.bind(message)
        values.bind(evidence)
    }
}

/// Binds a statement's parameters in order, from the first; remembers the first failure. Text is
/// copied into `arena` and bound from there (SQLITE_STATIC): it must stay until the statement has run.
struct Binder {
    private let statement: SQLiteStatement
    private let arena: BindArena
    private var index: CInt = 0
    private(set) var failure: CInt?

    init(_ statement: SQLiteStatement, _ arena: BindArena) {
        self.statement = statement
        self.arena = arena
    }

    mutating func bind(_ value: Int64?) {
        index += 1
        check(value.map { sqlite3_bind_int64(statement, index, $0) } ?? sqlite3_bind_null(statement, index))
    }

    /// A string up to its first NUL, if it has one (GRDB binds a NUL-terminated copy).
    mutating func bind(_ value: String?) {
        guard var value else { return bind(nil as Int64?) }
        let arena = self.arena
        let text = value.withUTF8 { (bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> in
            var length = bytes.count
            if length > 0, let start = bytes.baseAddress, let nul = memchr(start, 0, length) {
                length = UnsafeRawPointer(start).distance(to: UnsafeRawPointer(nul))
            }
            return arena.copy(UnsafeBufferPointer(rebasing: bytes[..<length]))
        }
        bindText(text)
    }

    /// An array as its JSON text (`IndexJSONText`, which escapes every control character).
    mutating func bind(_ value: [Int64]?, _ scratch: JSONScratch) {
        guard let value else { return bind(nil as Int64?) }
        IndexJSONText.write(value, into: scratch)
        bindText(arena.copy(scratch.bytes))
    }

    mutating func bind(_ value: [String]?, _ scratch: JSONScratch) {
        guard let value else { return bind(nil as Int64?) }
        IndexJSONText.write(value, into: scratch)
        bindText(arena.copy(scratch.bytes))
    }

    /// Text that stays where it is until the statement has run (an empty one is text, not NULL:
    /// the arena never gives a nil pointer).
    private mutating func bindText(_ text: UnsafeBufferPointer<UInt8>) {
        index += 1
        let start = UnsafeRawPointer(text.baseAddress!).assumingMemoryBound(to: CChar.self)
        check(sqlite3_bind_text(statement, index, start, CInt(text.count), nil))
    }

    private mutating func check(_ code: CInt) {
        if code != SQLITE_OK && failure == nil { failure = code }
    }
}

/// Bytes that bound values point to while a statement waits to run: blocks that never move,
/// handed out in order and all taken back at once (`reset`) after the statement has run.
final class BindArena {
    private static let blockSize = 64 * 1024
    private var blocks: [UnsafeMutableRawBufferPointer] = []
    private var block = 0
    private var used = 0

    deinit { blocks.forEach { $0.deallocate() } }

    /// A copy of `bytes` that stays until `reset`; never a nil pointer, even for no bytes.
    func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        while block < blocks.count && used + bytes.count > blocks[block].count {
            block += 1
            used = 0
        }
        if block == blocks.count {
            blocks.append(.allocate(byteCount: max(Self.blockSize, bytes.count), alignment: 8))
            used = 0
        }
        let start = (blocks[block].baseAddress! + used).assumingMemoryBound(to: UInt8.self)
        if let source = bytes.baseAddress, !bytes.isEmpty { start.update(from: source, count: bytes.count) }
        used += bytes.count
        return UnsafeBufferPointer(start: start, count: bytes.count)
    }

    func reset() {
        block = 0
        used = 0
    }
}
