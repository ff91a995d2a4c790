import GRDB

/// The index's tables. The schema version is SQLite's `user_version`; an index with another
/// version (or another `application_id`) is not ours to trust, and is moved aside and rebuilt.
///
/// `process_sighting` has an index for each column a query looks rows up by (PanDA ID, task ID,
/// PID, uid) and no other: each is one more B-tree insert for every sighting, thousands a cycle
/// with process events. (Indexes made before 2026-12-05 also had one on (boot_id, pid,
/// start_ticks), which no query used; such an index file stays valid as it is.)
enum IndexSchema {
    static let version: Int32 = 1
    /// "isot".
    static let applicationID: Int32 = 0x6973_6F74

    static let tables = ["record", "process_sighting", "job_sighting", "finding"]

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
        try db.execute(sql: "PRAGMA user_version = \(version)")
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
    }

    static func drop(_ db: Database) throws {
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
        return nil
    }

    static func isEmpty(_ db: Database) throws -> Bool {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0 == 0
    }
}
