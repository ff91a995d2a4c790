import GRDB

/// Process sightings read back from both of their tables (`IndexSchema`) as the rows of one:
/// every column of `process_sighting`, an event sighting's from its `event_sighting` row and its
/// `event_group`, in the order they were indexed (`id`).
enum SightingRows {
    /// The columns of a `process_sighting` row.
    static let columns = [
        "id", "record_seq", "role", "boot_id", "pid", "start_ticks", "start_time", "first_seen", "last_seen", "uid", "uids", "gids",
        "panda_id", "task_id", "claimed_panda_id", "pilot_boot_id", "pilot_pid", "pilot_start_ticks",
        "container_runtime", "container_image", "ns_cgroup", "ns_ipc", "ns_mnt", "ns_net", "ns_pid",
        "ns_pid_for_children", "ns_time", "ns_user", "ns_uts", "cmdline", "exe", "cgroup",
    ]

    /// What an event sighting's row keeps itself; the other columns are its group's.
    static let eventColumns: Set<String> = ["id", "pid", "start_ticks", "start_time", "first_seen", "last_seen", "cmdline", "exe"]

    /// The join of an event sighting's row (`e`) with its group (`g`), both ways to the group:
    /// the planner goes from a PID to the group by its key, or from a group found by PanDA ID,
    /// task ID or uid to its sightings by their id range.
    static let eventsFrom = "FROM event_group g JOIN event_sighting e ON e.group_id = g.id AND e.id BETWEEN g.first_id AND g.last_id"
    /// The same for the `exit` sightings folded into rows (`IndexSchema`): a row and the group of
    /// its folded exit.
    static let exitsFrom = "FROM event_group g JOIN event_sighting e ON e.exit_group_id = g.id AND e.id BETWEEN g.first_id AND g.last_id"

    /// The sightings for which `sampled` (a condition on `process_sighting`'s columns), `events`
    /// (on `e`, the `event_sighting`, and `g`, its `event_group`) or `exits` (on the same, for a
    /// folded exit: its first and last seen are `e.exit_first_seen`, `e.exit_last_seen`) holds,
    /// not in any order. Arguments: those of `sampled`, `events`, then `exits`.
    static func select(sampled: String, events: String, exits: String) -> String {
        "SELECT \(columns.joined(separator: ", ")) FROM process_sighting WHERE \(sampled) UNION ALL "
            + "SELECT \(columns.map { eventColumns.contains($0) ? "e.\($0)" : "g.\($0)" }.joined(separator: ", ")) \(eventsFrom) "
            + "WHERE \(events) UNION ALL "
            + "SELECT \(columns.map(exitColumn).joined(separator: ", ")) \(exitsFrom) WHERE \(exits)"
    }

    /// A folded `exit` sighting's value of `column`.
    private static func exitColumn(_ column: String) -> String {
        switch column {
        case "id": return "e.exit_id"
        case "first_seen": return "e.exit_first_seen"
        case "last_seen": return "e.exit_last_seen"
        case "cmdline", "exe": return "NULL"
        default: return eventColumns.contains(column) ? "e.\(column)" : "g.\(column)"
        }
    }

    /// The sightings as `select`, in the order they were indexed.
    static func fetch(_ db: Database, sampled: String, events: String, exits: String, arguments: StatementArguments) throws -> [ProcessSighting] {
        try ProcessSighting.fetchAll(db, sql: select(sampled: sampled, events: events, exits: exits) + " ORDER BY id", arguments: arguments)
    }

    /// Every sighting, in the order they were indexed.
    static func all(_ db: Database) throws -> [ProcessSighting] {
        try ProcessSighting.fetchAll(db, sql: "SELECT * FROM process_sighting_all ORDER BY id")
    }

    static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT (SELECT count(*) FROM process_sighting) + (SELECT count(*) FROM event_sighting) + (SELECT count(exit_id) FROM event_sighting)
            """) ?? 0
    }
}
