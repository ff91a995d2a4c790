import Foundation
import Logging
import PostgresNIO
import RecordIndex

/// One connection to the central database and the statements isotrace runs on it.
public final class CentralDatabase: Sendable {
    let connection: PostgresConnection
    public let url: SinkURL
    let logger = SinkConnector.quietLogger

    init(connection: PostgresConnection, url: SinkURL) {
        self.connection = connection
        self.url = url
    }

    public func close() async {
        try? await connection.close()
    }

    /// How long one statement may take before the connection is given up: six times the URL's
    /// connect_timeout (10 s by default, so one minute).
    var statementDeadline: Int { url.connectTimeoutSeconds * 6 }

    /// Runs `query` and collects its rows within `statementDeadline`, turning postgres-nio's
    /// generic error into the server's message. After a deadline the connection is closed.
    /// A statement the server refused for want of a right (SQLSTATE 42501: privileges, row-level
    /// security, the append-only trigger) leaves the connection open and is said with `refusal`
    /// before the server's message.
    @discardableResult
    func run(_ query: PostgresQuery, _ what: String, refusal: (() -> String)? = nil) async throws(SinkError) -> [PostgresRow] {
        let connection = self.connection, logger = self.logger
        do {
            return try await Deadline.run(seconds: statementDeadline, what) {
                try await connection.query(query, logger: logger).collect()
            }
        } catch {
            if case .database(let message) = error, message.contains("(SQLSTATE 42501)") {
                throw .database((refusal.map { $0() + ": " } ?? "") + message)
            }
            connection.close().whenComplete { _ in }
            throw error
        }
    }

    /// Why a node's role may be refused a batch: the chains and nodes in it.
    static func refusal(of lines: [ShippedLine]) -> String {
        let chains = Set(lines.map { "key_id \($0.keyID) of node \($0.node)" }).sorted().joined(separator: ", ")
        return "the database refused records of \(chains) (a node's role stores only chains of keys registered for its own node: isotrace db add-node / db add-key)"
    }

    func inTransaction<T>(_ what: String, _ body: () async throws(SinkError) -> T) async throws(SinkError) -> T {
        try await run("BEGIN", what)
        do {
            let value = try await body()
            try await run("COMMIT", what)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    // MARK: schema

    /// Creates the owner, reader and node group roles when missing (`CentralRoles`), makes the
    /// owner own the schema and everything in it, and applies, as the owner, the migrations this
    /// database lacks, in order, each in its own transaction, under an advisory lock so that two
    /// `db init` never race. Returns the versions applied now, the version, and whether PUBLIC's
    /// CONNECT and TEMPORARY on the database could be taken away (only its owner can).
    public func migrate() async throws(SinkError) -> (applied: [CentralSchema.Migration], current: Int, databaseRestricted: Bool) {
        try await prepareRoles()
        try await run("SET ROLE \(unescaped: CentralRoles.owner)", "become \(CentralRoles.owner)")
        let outcome = try await applyMigrations()
        try await run("RESET ROLE", "reset role")
        let restricted = try await restrictDatabaseAccess()
        return (outcome.applied, outcome.current, restricted)
    }

    private func applyMigrations() async throws(SinkError) -> (applied: [CentralSchema.Migration], current: Int) {
        try await run("""
            CREATE TABLE IF NOT EXISTS isotrace.schema_migration (
              version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """, "create isotrace.schema_migration")
        var applied: [CentralSchema.Migration] = []
        for migration in CentralSchema.migrations {
            let done = try await inTransaction("migration \(migration.version)") { () throws(SinkError) -> Bool in
                try await run("SELECT pg_advisory_xact_lock(7305237)", "lock migrations")
                let rows = try await run("SELECT 1 FROM isotrace.schema_migration WHERE version = \(migration.version)", "read migrations")
                if !rows.isEmpty { return true }
                for statement in migration.statements {
                    try await run(PostgresQuery(unsafeSQL: statement), "migration \(migration.version) (\(migration.name))")
                }
                try await run("INSERT INTO isotrace.schema_migration (version, name) VALUES (\(migration.version), \(migration.name))",
                              "record migration \(migration.version)")
                return false
            }
            if !done { applied.append(migration) }
        }
        return (applied, try await schemaVersion() ?? 0)
    }

    /// The highest applied migration, nil when `db init` never ran.
    public func schemaVersion() async throws(SinkError) -> Int? {
        let rows = try await run("SELECT to_regclass('isotrace.schema_migration') IS NOT NULL", "read schema")
        guard try Self.first(rows, as: Bool.self) == true else { return nil }
        return try Self.first(try await run("SELECT max(version) FROM isotrace.schema_migration", "read schema"), as: Int?.self) ?? nil
    }

    /// Throws a usage error naming `db init` unless the schema is at the version this isotrace knows.
    public func requireSchema() async throws(SinkError) {
        let expected = CentralSchema.migrations.last!.version
        let version = try await schemaVersion()
        guard let version else { throw .usage("\(url.redacted) has no isotrace schema: run isotrace db init --sink URL") }
        guard version >= expected else {
            throw .usage("\(url.redacted) has isotrace schema version \(version), this isotrace needs \(expected): run isotrace db init --sink URL")
        }
    }

    // MARK: keys

    public enum KeyOutcome: Equatable, Sendable {
        case added
        case alreadyRegistered
        /// The key is registered for another node.
        case conflict(node: String)
    }

    public func addKey(node: String, keyID: String, publicKeyPEM: String) async throws(SinkError) -> KeyOutcome {
        let rows = try await run("""
            INSERT INTO isotrace.node_key (key_id, node, public_key) VALUES (\(keyID), \(node), \(publicKeyPEM))
            ON CONFLICT (key_id) DO NOTHING RETURNING key_id
            """, "register key \(keyID)")
        if rows.count == 1 { return .added }
        let existing = try Self.first(try await run("SELECT node FROM isotrace.node_key WHERE key_id = \(keyID)", "read key"), as: String.self)
        return existing == node ? .alreadyRegistered : .conflict(node: existing ?? "?")
    }

    public struct NodeKey: Sendable {
        public var keyID: String
        public var node: String
        public var publicKeyPEM: String
    }

    public func keys() async throws(SinkError) -> [NodeKey] {
        let rows = try await run("SELECT key_id, node, public_key FROM isotrace.node_key ORDER BY node, key_id", "read keys")
        return try Self.decode(rows, as: (String, String, String).self).map { NodeKey(keyID: $0.0, node: $0.1, publicKeyPEM: $0.2) }
    }

    // MARK: records

    /// The highest stored seq of a chain (key_id), nil when none is stored.
    public func lastSeq(keyID: String) async throws(SinkError) -> Int64? {
        try Self.first(try await run("SELECT max(seq) FROM isotrace.record WHERE key_id = \(keyID)", "read last seq"), as: Int64?.self) ?? nil
    }

    /// Stores `lines` in one statement; a (key_id, seq) already stored is left as it is
    /// (at-least-once delivery made idempotent). Returns how many were new.
    public func insert(_ lines: [ShippedLine]) async throws(SinkError) -> Int {
        guard !lines.isEmpty else { return 0 }
        let keyIDs = lines.map(\.keyID), seqs = lines.map(\.facts.seq), nodes = lines.map(\.node)
        let types = lines.map(\.facts.type.rawValue), times = lines.map(\.facts.time.millisecondsSinceEpoch)
        let segments = lines.map(\.segment), lineNumbers = lines.map(\.lineNumber)
        let pandaIDs = lines.map { $0.facts.pandaIDs.joined(separator: " ") }
        let taskIDs = lines.map { $0.facts.taskIDs.joined(separator: " ") }
        let pids = lines.map { $0.facts.pids.map(String.init).joined(separator: " ") }
        let uids = lines.map { $0.facts.uids.map(String.init).joined(separator: " ") }
        let texts = lines.map(\.text)
        let rows = try await run("""
            WITH inserted AS (
            INSERT INTO isotrace.record (key_id, seq, node, type, time, segment, line_no, panda_ids, task_ids, pids, uids, line)
            SELECT k, s, n, t, to_timestamp(ms / 1000.0), sg, ln,
                   string_to_array(p, ' '), string_to_array(tk, ' '), string_to_array(pi, ' ')::bigint[], string_to_array(u, ' ')::bigint[], l
            FROM unnest(\(keyIDs)::text[], \(seqs)::bigint[], \(nodes)::text[], \(types)::text[], \(times)::bigint[],
                        \(segments)::text[], \(lineNumbers)::bigint[], \(pandaIDs)::text[], \(taskIDs)::text[],
                        \(pids)::text[], \(uids)::text[], \(texts)::text[]) AS u(k, s, n, t, ms, sg, ln, p, tk, pi, u, l)
            ON CONFLICT (key_id, seq) DO NOTHING RETURNING 1)
            SELECT count(*) FROM inserted
            """, "store \(lines.count) record(s)", refusal: { Self.refusal(of: lines) })
        return Int(try Self.first(rows, as: Int64.self) ?? 0)
    }

    static func first<T: PostgresDecodable>(_ rows: [PostgresRow], as type: T.Type) throws(SinkError) -> T? {
        do {
            return try rows.first?.decode(T.self)
        } catch {
            throw .database(SinkError.describe(error))
        }
    }

    static func decode<each T: PostgresDecodable>(_ rows: [PostgresRow], as type: (repeat each T).Type) throws(SinkError) -> [(repeat each T)] {
        do {
            return try rows.map { try $0.decode((repeat each T).self) }
        } catch {
            throw .database(SinkError.describe(error))
        }
    }
}
