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
        Migration(version: 3, name: "roles: append-only records, nodes insert only their own chains", statements: [
            // Which database role each node ships as (isotrace db add-node).
            """
            CREATE TABLE isotrace.node (
              node text PRIMARY KEY,
              role name NOT NULL UNIQUE,
              added_at timestamptz NOT NULL DEFAULT now())
            """,
            // prune() runs as the owner (SECURITY DEFINER) and marks its own transaction, so the
            // append-only trigger lets exactly its DELETEs through.
            """
            CREATE OR REPLACE FUNCTION isotrace.prune(older_than interval) RETURNS bigint
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE
              chain record;
              removed bigint := 0;
              n bigint;
            BEGIN
              PERFORM set_config('isotrace.pruning', txid_current()::text, true);
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
              PERFORM set_config('isotrace.pruning', '', true);
              RETURN removed;
            END $$
            """,
            "REVOKE EXECUTE ON FUNCTION isotrace.prune(interval) FROM PUBLIC",
            // Records are append-only for every role: UPDATE and TRUNCATE always refused, DELETE
            // only inside prune() (the table owner, in the transaction prune() marked).
            """
            CREATE FUNCTION isotrace.refuse_record_change() RETURNS trigger
            LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND current_setting('isotrace.pruning', true) = txid_current()::text
                 AND (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID) = (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) THEN
                RETURN NULL;
              END IF;
              RAISE EXCEPTION 'isotrace.record is append-only: % refused for role % (records leave only through isotrace.prune())', TG_OP, current_user
                USING ERRCODE = 'insufficient_privilege';
            END $$
            """,
            "REVOKE EXECUTE ON FUNCTION isotrace.refuse_record_change() FROM PUBLIC",
            """
            CREATE TRIGGER record_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON isotrace.record
            FOR EACH STATEMENT EXECUTE FUNCTION isotrace.refuse_record_change()
            """,
            // Row-level security: a node role inserts and reads only rows of a key registered for
            // its own node, under that node's name; the reader reads everything; the owner is exempt.
            "ALTER TABLE isotrace.record ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE isotrace.node_key ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE isotrace.node ENABLE ROW LEVEL SECURITY",
            """
            CREATE POLICY node_inserts_own_chains ON isotrace.record FOR INSERT TO isotrace_node
            WITH CHECK ((key_id, node) IN (SELECT k.key_id, k.node FROM isotrace.node_key k JOIN isotrace.node n ON n.node = k.node
                                            WHERE n.role = current_user))
            """,
            """
            CREATE POLICY node_reads_own_chains ON isotrace.record FOR SELECT TO isotrace_node
            USING ((key_id, node) IN (SELECT k.key_id, k.node FROM isotrace.node_key k JOIN isotrace.node n ON n.node = k.node
                                       WHERE n.role = current_user))
            """,
            "CREATE POLICY node_reads_itself ON isotrace.node FOR SELECT TO isotrace_node USING (role = current_user)",
            """
            CREATE POLICY node_reads_own_keys ON isotrace.node_key FOR SELECT TO isotrace_node
            USING (node IN (SELECT n.node FROM isotrace.node n WHERE n.role = current_user))
            """,
            "CREATE POLICY reader_reads_records ON isotrace.record FOR SELECT TO isotrace_reader USING (true)",
            "CREATE POLICY reader_reads_keys ON isotrace.node_key FOR SELECT TO isotrace_reader USING (true)",
            "CREATE POLICY reader_reads_nodes ON isotrace.node FOR SELECT TO isotrace_reader USING (true)",
            "GRANT USAGE ON SCHEMA isotrace TO isotrace_node, isotrace_reader",
            "GRANT SELECT ON isotrace.schema_migration TO isotrace_node, isotrace_reader",
            // Every column but received_at, which the database fills in.
            """
            GRANT INSERT (key_id, seq, node, type, time, segment, line_no, panda_ids, task_ids, pids, uids, line)
            ON isotrace.record TO isotrace_node
            """,
            "GRANT SELECT ON isotrace.record, isotrace.node_key, isotrace.node TO isotrace_node",
            "GRANT SELECT ON isotrace.record, isotrace.node_key, isotrace.node, isotrace.chain_floor TO isotrace_reader",
        ]),
        Migration(version: 4, name: "epoch keys: prune() keeps key_rotation records", statements: [
            // A chain signed with epoch keys is stored under its root key's key_id; its
            // key_rotation rows lead from that key to every record's epoch key, so prune() keeps
            // them below the floor (about 24 a day) and verify --db follows them from there.
            """
            CREATE OR REPLACE FUNCTION isotrace.prune(older_than interval) RETURNS bigint
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE
              chain record;
              removed bigint := 0;
              n bigint;
            BEGIN
              PERFORM set_config('isotrace.pruning', txid_current()::text, true);
              FOR chain IN
                SELECT r.key_id, max(r.seq) AS seq FROM isotrace.record r
                WHERE r.time < now() - older_than AND r.type <> 'key_rotation' GROUP BY r.key_id
              LOOP
                INSERT INTO isotrace.chain_floor (key_id, seq, line_sha256)
                  SELECT r.key_id, r.seq, encode(sha256(convert_to(r.line, 'UTF8')), 'hex')
                  FROM isotrace.record r WHERE r.key_id = chain.key_id AND r.seq = chain.seq
                ON CONFLICT (key_id) DO UPDATE SET seq = EXCLUDED.seq, line_sha256 = EXCLUDED.line_sha256, pruned_at = now();
                DELETE FROM isotrace.record r WHERE r.key_id = chain.key_id AND r.seq <= chain.seq AND r.type <> 'key_rotation';
                GET DIAGNOSTICS n = ROW_COUNT;
                removed := removed + n;
              END LOOP;
              PERFORM set_config('isotrace.pruning', '', true);
              RETURN removed;
            END $$
            """,
            "REVOKE EXECUTE ON FUNCTION isotrace.prune(interval) FROM PUBLIC",
        ]),
    ]
}
