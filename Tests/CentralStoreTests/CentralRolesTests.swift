import CentralStore
import Foundation
import TestSupport
import Testing

/// The central store's roles on a real PostgreSQL 15 (issue 16, item 3): what a node's own role
/// (`db add-node`), the reader and the owner can and cannot do. SQL runs as each role through psql
/// on the server's Unix socket (trust), isotrace's commands over TCP with the role's password.
extension CentralStoreTests {
    @Test("roles: a node's role adds only its own chains and reads only them; the reader only reads; records change only through prune()")
    func nodeReaderAndOwnerRoles() throws {
        try withServer { server in
            let admin = ["--sink", server.url, "--password-file", server.passwordFile]
            #expect(try isotrace(["db", "init"] + admin).status == 0)
            let a = try SimulatedNode(hostname: "node-a"), b = try SimulatedNode(hostname: "node-b")
            let passwordA = server.directory + "-node-a", passwordB = server.directory + "-node-b", passwordC = server.directory + "-node-c"
            defer {
                [a, b].forEach { $0.remove() }
                for file in [passwordA, passwordB, passwordC] { try? FileManager.default.removeItem(atPath: file) }
            }
            try a.append(30, pandaIDs: ["9100000011"])
            try b.append(30, pandaIDs: ["9100000021"])
            func url(_ user: String) -> String {
                server.url.replacingOccurrences(of: "postgres://\(PostgresServer.user)@", with: "postgres://\(user)@")
            }

            // db add-node: a role per node with a new password in a new 0600 file, and its key.
            let addA = try isotrace(["db", "add-node", "--node", "node-a", "--key", a.publicKeyPath, "--role-password-file", passwordA] + admin)
            #expect(addA.status == 0 && addA.stdout.contains("node node-a ships as role node-a (new") && addA.stdout.contains("registered key_id \(a.key.keyID)"), "\(addA)")
            let addB = try isotrace(["db", "add-node", "--node", "node-b", "--key", b.publicKeyPath, "--role-password-file", passwordB] + admin)
            #expect(addB.status == 0, "\(addB)")
            let secretA = try String(contentsOfFile: passwordA, encoding: .utf8)
            #expect(secretA.range(of: "^[0-9a-f]{64}\n$", options: .regularExpression) != nil, "one line: the node role's password only")
            #expect((try FileManager.default.attributesOfItem(atPath: passwordA)[.posixPermissions] as? Int) == 0o600)
            #expect(!(addA.stdout + addA.stderr).contains(secretA.dropLast()))
            #expect(try server.sql("""
                SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, string_agg(g.rolname, ',')
                FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid
                WHERE r.rolname = 'node-a' GROUP BY 1, 2, 3, 4
                """) == "f|f|f|f|isotrace_node")
            // The server stores a SCRAM verifier, never the password.
            #expect(try server.sql("SELECT rolpassword LIKE 'SCRAM-SHA-256$4096:%' FROM pg_authid WHERE rolname = 'node-a'") == "t")
            // Refusals of add-node: an existing role that is not a node's, a key of another node, a used file.
            try server.sql("CREATE ROLE csirt LOGIN PASSWORD '\(server.password)' IN ROLE isotrace_reader")
            let taken = try isotrace(["db", "add-node", "--node", "node-c", "--role", "csirt", "--key", a.publicKeyPath, "--client-certificate"] + admin)
            #expect(taken.status == 1 && taken.stderr.contains("registered for node node-a"), "\(taken)")
            let notANode = try SimulatedNode(hostname: "node-c")
            defer { notANode.remove() }
            let existing = try isotrace(["db", "add-node", "--node", "node-c", "--role", "csirt", "--key", notANode.publicKeyPath, "--role-password-file", passwordC] + admin)
            #expect(existing.status == 2 && existing.stderr.contains("role csirt exists already and is not an isotrace node's"), "\(existing)")
            #expect(!FileManager.default.fileExists(atPath: passwordC), "the password file of a refused add-node is removed")
            let reused = try isotrace(["db", "add-node", "--node", "node-c", "--key", notANode.publicKeyPath, "--role-password-file", passwordA] + admin)
            #expect(reused.status == 2 && reused.stderr.contains("exists already"), "\(reused)")
            #expect(try String(contentsOfFile: passwordA, encoding: .utf8) == secretA)

            // ship as each node's own role.
            let sinkA = ["--sink", url("node-a"), "--password-file", passwordA]
            let sinkB = ["--sink", url("node-b"), "--password-file", passwordB]
            let shipA = try isotrace(["ship", "--out", a.directory] + sinkA)
            #expect(shipA.status == 0 && shipA.stdout.contains("30 new"), "\(shipA)")
            #expect(try isotrace(["ship", "--out", b.directory] + sinkB).status == 0)
            // node-a's password cannot ship node-b's chain: refused, named, nothing stored, exit 2.
            try b.append(5, pandaIDs: ["9100000021"])
            let foreign = try isotrace(["ship", "--out", b.directory] + sinkA)
            #expect(foreign.status == 2 && foreign.stderr.contains("refused records of key_id \(b.key.keyID) of node node-b"), "\(foreign)")
            #expect(!foreign.stderr.contains(secretA.dropLast()))
            let own = try isotrace(["ship", "--out", b.directory] + sinkB)
            #expect(own.status == 0 && own.stdout.contains("5 new"), "\(own)")
            #expect(try server.sql("SELECT max(seq) FROM isotrace.record WHERE node = 'node-b'") == "35")

            // As node-a's role: nothing but INSERT of its own chain and reading it back.
            func refused(_ statement: String, as user: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
                let result = try server.sqlResult(statement, user: user)
                #expect(result.status != 0 && result.stderr.contains(expected), "\(user): \(statement): \(result)", sourceLocation: sourceLocation)
            }
            let foreignRow = "INSERT INTO isotrace.record (key_id, seq, node, type, time, segment, line_no, line) VALUES"
            try refused("UPDATE isotrace.record SET line = 'x'", as: "node-a", "permission denied for table record")
            try refused("DELETE FROM isotrace.record", as: "node-a", "permission denied for table record")
            try refused("TRUNCATE isotrace.record", as: "node-a", "permission denied for table record")
            try refused("DROP TABLE isotrace.record", as: "node-a", "must be owner of table record")
            try refused("ALTER TABLE isotrace.record DISABLE TRIGGER record_append_only", as: "node-a", "must be owner of table record")
            try refused("\(foreignRow) ('\(b.key.keyID)', 99, 'node-b', 'process', now(), 'records/x.jsonl', 1, '{}')", as: "node-a", "row-level security")
            try refused("\(foreignRow) ('\(a.key.keyID)', 99, 'node-b', 'process', now(), 'records/x.jsonl', 1, '{}')", as: "node-a", "row-level security")
            try refused("INSERT INTO isotrace.node_key (key_id, node, public_key) VALUES ('k', 'node-a', 'x')", as: "node-a", "permission denied for table node_key")
            try refused("INSERT INTO isotrace.node (node, role) VALUES ('node-b', 'node-a')", as: "node-a", "permission denied for table node")
            try refused("SELECT isotrace.prune(interval '0 days')", as: "node-a", "permission denied for function prune")
            try refused("SELECT count(*) FROM isotrace.chain_floor", as: "node-a", "permission denied for table chain_floor")
            try refused("CREATE TEMP TABLE t (x int)", as: "node-a", "permission denied to create temporary tables")
            #expect(try server.sql("SELECT count(*) FROM isotrace.record", user: "node-a") == "30")
            #expect(try server.sql("SELECT count(*) FROM isotrace.record WHERE node = 'node-b'", user: "node-a") == "0",
                    "another node's rows are invisible to a node's role")
            #expect(try server.sql("SELECT count(*) FROM isotrace.record WHERE node = 'node-b'") == "35")
            #expect(try server.sql("SELECT string_agg(node, ',') FROM isotrace.node_key", user: "node-a") == "node-a")

            // The reader: query --db and verify --db work; every write is refused.
            let reader = ["--db", url("csirt"), "--password-file", server.passwordFile]
            let verified = try isotrace(["verify"] + reader)
            #expect(verified.status == 0 && verified.stdout.contains("intact: 2 node chain(s), 65 record(s)"), "\(verified)")
            let query = try isotrace(["query", "--panda-id", "9100000021"] + reader)
            #expect(query.status == 0 && query.stdout.contains("NODE node-b") && !query.stdout.contains("NODE node-a"), "\(query)")
            try refused("\(foreignRow) ('\(a.key.keyID)', 99, 'node-a', 'process', now(), 'records/x.jsonl', 1, '{}')", as: "csirt", "permission denied for table record")
            try refused("UPDATE isotrace.record SET line = 'x'", as: "csirt", "permission denied for table record")
            try refused("DELETE FROM isotrace.record", as: "csirt", "permission denied for table record")
            try refused("TRUNCATE isotrace.record", as: "csirt", "permission denied for table record")
            try refused("INSERT INTO isotrace.node_key (key_id, node, public_key) VALUES ('k', 'node-a', 'x')", as: "csirt", "permission denied for table node_key")
            try refused("SELECT isotrace.prune(interval '0 days')", as: "csirt", "permission denied for function prune")

            // Append-only for every role, the superuser and the owner included: only prune() deletes.
            try refused("UPDATE isotrace.record SET line = 'x' WHERE seq = 1", as: PostgresServer.user, "isotrace.record is append-only: UPDATE refused")
            try refused("DELETE FROM isotrace.record WHERE seq = 1", as: PostgresServer.user, "isotrace.record is append-only: DELETE refused")
            try refused("TRUNCATE isotrace.record", as: PostgresServer.user, "isotrace.record is append-only: TRUNCATE refused")
            try server.sql("CREATE ROLE site_admin LOGIN IN ROLE isotrace_owner")
            try refused("DELETE FROM isotrace.record WHERE seq = 1", as: "site_admin", "append-only: DELETE refused for role site_admin")
            try refused("SELECT set_config('isotrace.pruning', txid_current()::text, true); DELETE FROM isotrace.record WHERE seq = 1",
                        as: "site_admin", "append-only: DELETE refused for role site_admin")
            try refused("UPDATE isotrace.record SET line = 'x' WHERE seq = 1", as: "site_admin", "append-only: UPDATE refused")
            #expect(try server.sql("SELECT count(*) FROM isotrace.record") == "65")
            // prune() by the owner's member works, and the rest still verifies from the floor.
            try server.sqlAsSuperuserBypassingTriggers("UPDATE isotrace.record SET time = now() - interval '200 days' WHERE seq <= 10")
            #expect(try server.sql("SELECT isotrace.prune(interval '180 days')", user: "site_admin") == "20")
            let pruned = try isotrace(["verify"] + reader)
            #expect(pruned.status == 0 && pruned.stdout.contains("intact: 2 node chain(s), 45 record(s)"), "\(pruned)")

            // ship still works as the node's role after all this, and add-node again gives a new password.
            try a.append(5, pandaIDs: ["9100000011"])
            let again = try isotrace(["ship", "--out", a.directory] + sinkA)
            #expect(again.status == 0 && again.stdout.contains("5 new"), "\(again)")
            try FileManager.default.removeItem(atPath: passwordA)
            let renewed = try isotrace(["db", "add-node", "--node", "node-a", "--key", a.publicKeyPath, "--role-password-file", passwordA] + admin)
            #expect(renewed.status == 0 && renewed.stdout.contains("existing role, new login") && renewed.stdout.contains("already registered"), "\(renewed)")
            #expect(try String(contentsOfFile: passwordA, encoding: .utf8) != secretA)
            let oldPassword = server.directory + "-node-a-old"
            FileManager.default.createFile(atPath: oldPassword, contents: Data(secretA.utf8), attributes: [.posixPermissions: 0o600])
            defer { try? FileManager.default.removeItem(atPath: oldPassword) }
            let stale = try isotrace(["ship", "--out", a.directory, "--sink", url("node-a"), "--password-file", oldPassword])
            #expect(stale.status == 2 && stale.stderr.contains("password authentication failed"), "\(stale)")
            #expect(try isotrace(["ship", "--out", a.directory] + sinkA).status == 0)
        }
    }

    @Test("roles: db init hands a database set up before the roles (owned by the nodes' shared role) to isotrace_owner; the shared role loses its rights")
    func legacyDatabaseHandedOver() throws {
        try withServer { server in
            try server.sql("CREATE ROLE legacy LOGIN PASSWORD '\(server.password)'")
            try server.sql("CREATE DATABASE legacy OWNER legacy")
            // Schema versions 1 and 2, made by the shared role as the old README said.
            let old = ["CREATE SCHEMA isotrace",
                       "CREATE TABLE isotrace.schema_migration (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"]
                + CentralSchema.migrations.prefix(2).flatMap(\.statements)
                + ["INSERT INTO isotrace.schema_migration (version, name) VALUES (1, 'records and node keys'), (2, 'retention')"]
            try server.sql(old.joined(separator: ";\n"), database: "legacy", user: "legacy")
            func url(_ user: String) -> String {
                server.url.replacingOccurrences(of: "postgres://\(PostgresServer.user)@", with: "postgres://\(user)@")
                    .replacingOccurrences(of: "/\(PostgresServer.database)?", with: "/legacy?")
            }
            let node = try SimulatedNode(hostname: "node-a")
            defer { node.remove() }
            try node.append(10, pandaIDs: ["9100000011"])
            let stale = try isotrace(["ship", "--out", node.directory, "--sink", url("legacy"), "--password-file", server.passwordFile])
            #expect(stale.status == 2 && stale.stderr.contains("schema version 2, this isotrace needs 4"), "\(stale)")
            // The shared role cannot make roles: db init says what it needs.
            let refused = try isotrace(["db", "init", "--sink", url("legacy"), "--password-file", server.passwordFile])
            #expect(refused.status == 2 && refused.stderr.contains("CREATEROLE"), "\(refused)")
            let upgraded = try isotrace(["db", "init", "--sink", url(PostgresServer.user), "--password-file", server.passwordFile])
            #expect(upgraded.status == 0 && upgraded.stdout.contains("schema version 4") && upgraded.stderr.contains("applied migration 3"), "\(upgraded)")
            #expect(try server.sql("""
                SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class WHERE relnamespace = 'isotrace'::regnamespace AND relkind = 'r'
                """, database: "legacy") == "isotrace_owner")
            #expect(try server.sql("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'isotrace'", database: "legacy") == "isotrace_owner")
            let delete = try server.sqlResult("DELETE FROM isotrace.record", database: "legacy", user: "legacy")
            #expect(delete.status != 0 && delete.stderr.contains("permission denied for schema isotrace"), "\(delete)")
            // Moved to its own role, the node ships.
            let password = server.directory + "-legacy-node-a"
            defer { try? FileManager.default.removeItem(atPath: password) }
            #expect(try isotrace(["db", "add-node", "--node", "node-a", "--key", node.publicKeyPath, "--role-password-file", password,
                                  "--sink", url(PostgresServer.user), "--password-file", server.passwordFile]).status == 0)
            let shipped = try isotrace(["ship", "--out", node.directory, "--sink", url("node-a"), "--password-file", password])
            #expect(shipped.status == 0 && shipped.stdout.contains("10 new"), "\(shipped)")
        }
    }
}
