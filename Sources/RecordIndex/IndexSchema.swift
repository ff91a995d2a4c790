import GRDB

/// The index's tables. The schema version is SQLite's `user_version`; an index with another
/// version (or another `application_id`) is not ours to trust, and is moved aside and rebuilt.
///
/// A process sighting is stored in one of two ways; `process_sighting_all` (a view) and the
/// queries (`QueryPlan`, `SightingRows`) give both as the same rows, in the order they were
/// indexed (`id`, one numbering for both tables):
/// - `process_sighting`: one row states everything (the processes of audit records, the one
///   `process` of a `process` or `exit` record). It has an index for each column a query looks
///   rows up by (PanDA ID, task ID, PID, uid) and no other.
/// - the entries of a `processes` array (the event source's processes, thousands a cycle, and the
///   sampler's): what
///   consecutive entries of one record state alike (its seq, role, job, pilot, uid, uids, gids,
///   namespaces, container, cgroup) once in an `event_group` row, which covers the ids
///   `first_id`...`last_id`; per process only what differs in an `event_sighting` row (pid, start,
///   first and last seen, cmdline, exe), with one secondary index, (pid, start_time). A sighting
///   is a table row and one index entry, not a row of 31 columns and four index entries. The
///   `exit` sighting of a process whose `process` sighting was indexed in the same update (the
///   event source's short-lived processes, tens of thousands a cycle) is folded into that row:
///   its id (`exit_id`), its group (`exit_group_id`, whose range covers the row) and its first
///   and last seen; its PID and start are the row's, and it has no command line or executable.
/// Version 1 (before 2026-12-06) had `process_sighting` only, version 2 no folded exits; such an
/// index is moved aside and rebuilt.
enum IndexSchema {
    static let version: Int32 = 3
    /// "isot".
    static let applicationID: Int32 = 0x6973_6F74

    /// In the order they are created (a table before those that reference it).
    static let tables = ["record", "process_sighting", "event_group", "event_sighting", "job_sighting", "finding"]
    static let views = ["process_sighting_all"]

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE record (
              seq INTEGER PRIMARY KEY NOT NULL,
              file TEXT NOT NULL, line INTEGER NOT NULL, byte_offset INTEGER NOT NULL, byte_length INTEGER NOT NULL,
              type TEXT NOT NULL, time INTEGER NOT NULL, sha256 TEXT NOT NULL, hostname TEXT, boot_id TEXT);
            CREATE TABLE process_sighting (
              id INTEGER PRIMARY KEY,
              record_seq INTEGER NOT NULL REFERENCES record(seq),
              role TEXT NOT NULL, boot_id TEXT NOT NULL, pid INTEGER NOT NULL, start_ticks INTEGER NOT NULL,
              start_time INTEGER, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
              uid INTEGER, uids TEXT, gids TEXT, panda_id TEXT, task_id TEXT, claimed_panda_id TEXT,
              pilot_boot_id TEXT, pilot_pid INTEGER, pilot_start_ticks INTEGER,
              container_runtime TEXT, container_image TEXT,
              ns_cgroup INTEGER, ns_ipc INTEGER, ns_mnt INTEGER, ns_net INTEGER, ns_pid INTEGER,
              ns_pid_for_children INTEGER, ns_time INTEGER, ns_user INTEGER, ns_uts INTEGER,
              cmdline TEXT, exe TEXT, cgroup TEXT);
            CREATE INDEX process_sighting_panda ON process_sighting(panda_id);
            CREATE INDEX process_sighting_task ON process_sighting(task_id);
            CREATE INDEX process_sighting_pid ON process_sighting(pid, start_time);
            CREATE INDEX process_sighting_uid ON process_sighting(uid, last_seen);
            CREATE TABLE event_group (
              id INTEGER PRIMARY KEY,
              record_seq INTEGER NOT NULL REFERENCES record(seq),
              first_id INTEGER NOT NULL, last_id INTEGER NOT NULL,
              role TEXT NOT NULL, boot_id TEXT NOT NULL,
              uid INTEGER, uids TEXT, gids TEXT, panda_id TEXT, task_id TEXT, claimed_panda_id TEXT,
              pilot_boot_id TEXT, pilot_pid INTEGER, pilot_start_ticks INTEGER,
              container_runtime TEXT, container_image TEXT,
              ns_cgroup INTEGER, ns_ipc INTEGER, ns_mnt INTEGER, ns_net INTEGER, ns_pid INTEGER,
              ns_pid_for_children INTEGER, ns_time INTEGER, ns_user INTEGER, ns_uts INTEGER,
              cgroup TEXT);
            CREATE INDEX event_group_panda ON event_group(panda_id);
            CREATE INDEX event_group_task ON event_group(task_id);
            CREATE INDEX event_group_uid ON event_group(uid);
            CREATE TABLE event_sighting (
              id INTEGER PRIMARY KEY,
              group_id INTEGER NOT NULL REFERENCES event_group(id),
              pid INTEGER NOT NULL, start_ticks INTEGER NOT NULL, start_time INTEGER,
              first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
              cmdline TEXT, exe TEXT,
              exit_id INTEGER, exit_group_id INTEGER REFERENCES event_group(id), exit_first_seen INTEGER, exit_last_seen INTEGER);
            CREATE INDEX event_sighting_pid ON event_sighting(pid, start_time);
            CREATE TABLE job_sighting (
              id INTEGER PRIMARY KEY,
              record_seq INTEGER NOT NULL REFERENCES record(seq),
              panda_id TEXT NOT NULL, task_id TEXT,
              pilot_boot_id TEXT, pilot_pid INTEGER, pilot_start_ticks INTEGER,
              first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, isolated INTEGER, failing_rules TEXT,
              container_runtime TEXT, container_image TEXT, job_directory TEXT, batch_job_id TEXT);
            CREATE INDEX job_sighting_panda ON job_sighting(panda_id);
            CREATE INDEX job_sighting_task ON job_sighting(task_id);
            CREATE TABLE finding (
              id INTEGER PRIMARY KEY,
              record_seq INTEGER NOT NULL REFERENCES record(seq),
              seen INTEGER NOT NULL, panda_id TEXT, rule TEXT NOT NULL, status TEXT NOT NULL, severity TEXT,
              pid INTEGER, message TEXT, evidence TEXT);
            CREATE INDEX finding_panda ON finding(panda_id);
            """)
        try db.execute(sql: "CREATE VIEW process_sighting_all AS " + SightingRows.select(sampled: "1", events: "1", exits: "1"))
        try db.execute(sql: "PRAGMA user_version = \(version)")
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
    }

    static func drop(_ db: Database) throws {
        for view in views {
            try db.execute(sql: "DROP VIEW IF EXISTS \(view)")
        }
        for table in tables.reversed() {
            try db.execute(sql: "DROP TABLE IF EXISTS \(table)")
        }
    }

    /// Why `db` is not a usable index, or nil when it is (an empty database counts as usable: it
    /// gets the schema).
    static func problem(_ db: Database) throws -> String? {
        let version = try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if version == 0, application == 0, tableCount == 0 { return nil }
        if application != applicationID { return "not an isotrace index (application_id \(application))" }
        if version != self.version { return "schema version \(version), expected \(self.version)" }
        for table in tables where try !db.tableExists(table) {
            return "table \(table) is missing"
        }
        for view in views where try !db.viewExists(view) {
            return "view \(view) is missing"
        }
        return nil
    }

    static func isEmpty(_ db: Database) throws -> Bool {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0 == 0
    }
}
