/// The central database's schema, as numbered migrations applied once each, in order, and
/// remembered in `isotrace.schema_migration`. A migration is never edited once released: a
/// change is a new migration.
public enum CentralSchema {
    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var statements: [String]
    }

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "records and node keys", statements: [
            // One row per record line, kept verbatim (the signed line) so the central copy verifies
            // on its own; the other columns are extracted from it to find lines fast.
            """
            CREATE TABLE isotrace.record (
              key_id text NOT NULL,
              seq bigint NOT NULL,
              node text NOT NULL,
              type text NOT NULL,
              time timestamptz NOT NULL,
              segment text NOT NULL,
              line_no bigint NOT NULL,
              panda_ids text[] NOT NULL DEFAULT '{}',
              task_ids text[] NOT NULL DEFAULT '{}',
              pids bigint[] NOT NULL DEFAULT '{}',
              uids bigint[] NOT NULL DEFAULT '{}',
              line text NOT NULL,
              received_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (key_id, seq))
            """,
            "CREATE INDEX record_panda_ids ON isotrace.record USING gin (panda_ids)",
            "CREATE INDEX record_task_ids ON isotrace.record USING gin (task_ids)",
            "CREATE INDEX record_pids ON isotrace.record USING gin (pids)",
            "CREATE INDEX record_uids ON isotrace.record USING gin (uids)",
            "CREATE INDEX record_node_time ON isotrace.record (node, time)",
            "CREATE INDEX record_time ON isotrace.record (time)",
            // The public keys that verify each node's records (isotrace db add-key).
            """
            CREATE TABLE isotrace.node_key (
              key_id text PRIMARY KEY,
              node text NOT NULL,
              public_key text NOT NULL,
              added_at timestamptz NOT NULL DEFAULT now())
            """,
        ]),
        Migration(version: 2, name: "retention: prune old records, keep the chain verifiable", statements: [
            // Where each chain starts after pruning: the last pruned seq and its line's SHA-256,
            // which the first kept record's prev must equal.
            """
            CREATE TABLE isotrace.chain_floor (
              key_id text PRIMARY KEY,
              seq bigint NOT NULL,
              line_sha256 text NOT NULL,
              pruned_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE FUNCTION isotrace.prune(older_than interval) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
              chain record;
              removed bigint := 0;
              n bigint;
            BEGIN
              FOR chain IN
                SELECT r.key_id, max(r.seq) AS seq FROM isotrace.record r
                WHERE r.time < now() - older_than GROUP BY r.key_id
              LOOP
                INSERT INTO isotrace.chain_floor (key_id, seq, line_sha256)
                  SELECT r.key_id, r.seq, encode(sha256(convert_to(r.line, 'UTF8')), 'hex')
                  FROM isotrace.record r WHERE r.key_id = chain.key_id AND r.seq = chain.seq
                ON CONFLICT (key_id) DO UPDATE SET seq = EXCLUDED.seq, line_sha256 = EXCLUDED.line_sha256, pruned_at = now();
                DELETE FROM isotrace.record r WHERE r.key_id = chain.key_id AND r.seq <= chain.seq;
                GET DIAGNOSTICS n = ROW_COUNT;
                removed := removed + n;
              END LOOP;
              RETURN removed;
            END $$
            """,
        ]),
    ]
}
