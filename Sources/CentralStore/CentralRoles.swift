import Crypto
import Foundation
import PostgresNIO

/// The database roles the central store is used through, each with the least it needs:
/// - `isotrace_owner` owns the schema, its tables and `isotrace.prune()`; site admins are its
///   members (`db init` makes the role that runs it one).
/// - `isotrace_reader` reads everything (`query --db`, `verify --db`) and writes nothing.
/// - `isotrace_node` is the group of the nodes' own login roles (`db add-node`): each may INSERT
///   (and read back) only records of the keys registered for its own node (row-level security),
///   nothing else.
/// UPDATE, DELETE and TRUNCATE on `isotrace.record` are refused by a trigger for every role;
/// only `isotrace.prune()` deletes. The three are group roles (NOLOGIN); people and nodes log in
/// as their own roles.
public enum CentralRoles {
    public static let owner = "isotrace_owner"
    public static let reader = "isotrace_reader"
    public static let node = "isotrace_node"

    /// A role name as an SQL identifier: in double quotes, quotes inside doubled.
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A new password for a node's role: 32 bytes from the system's CSPRNG, as hex.
    public static func newPassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 and 7677, as `psql
    /// \password` computes it): the server is sent this, never the password, so it cannot end up
    /// in the server's statement log.
    static func scramVerifier(password: String, salt: [UInt8], iterations: Int = 4096) -> String {
        let key = SymmetricKey(data: Array(password.utf8))
        var block = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var salted = block
        for _ in 1..<iterations {
            block = Array(HMAC<SHA256>.authenticationCode(for: block, using: key))
            for index in salted.indices { salted[index] ^= block[index] }
        }
        let saltedKey = SymmetricKey(data: salted)
        let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: saltedKey))
        let storedKey = Array(SHA256.hash(data: clientKey))
        let serverKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: saltedKey))
        func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
        return "SCRAM-SHA-256$\(iterations):\(base64(salt))$\(base64(storedKey)):\(base64(serverKey))"
    }

    static func newVerifier(password: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return scramVerifier(password: password, salt: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

extension CentralDatabase {
    /// The three group roles (created when missing: this needs CREATEROLE or a superuser), the
    /// connected role made a member of the owner, and the schema and everything in it owned by
    /// the owner (a database set up before the roles existed is handed over).
    func prepareRoles() async throws(SinkError) {
        let hint = "db init needs, the first time, a role with CREATEROLE (or a superuser); see the README's site set-up"
        for role in [CentralRoles.owner, CentralRoles.reader, CentralRoles.node] {
            let exists = try await run("SELECT 1 FROM pg_roles WHERE rolname = \(role)", "read roles")
            if exists.isEmpty {
                try await run("CREATE ROLE \(unescaped: CentralRoles.identifier(role)) NOLOGIN", "create role \(role) (\(hint))")
            }
        }
        let member = try Self.first(try await run("SELECT pg_has_role(current_user, \(CentralRoles.owner), 'MEMBER')", "read roles"), as: Bool.self)
        if member != true {
            try await run("GRANT \(unescaped: CentralRoles.owner) TO CURRENT_USER", "make this role a member of \(CentralRoles.owner) (\(hint))")
        }
        try await run("CREATE SCHEMA IF NOT EXISTS isotrace AUTHORIZATION \(unescaped: CentralRoles.owner)", "create schema isotrace")
        try await run("""
            DO $$
            DECLARE item record;
            BEGIN
              IF (SELECT nspowner FROM pg_namespace WHERE nspname = 'isotrace') <> 'isotrace_owner'::regrole THEN
                ALTER SCHEMA isotrace OWNER TO isotrace_owner;
              END IF;
              FOR item IN SELECT c.relname FROM pg_class c
                          WHERE c.relnamespace = 'isotrace'::regnamespace AND c.relkind IN ('r', 'p') AND c.relowner <> 'isotrace_owner'::regrole LOOP
                EXECUTE format('ALTER TABLE isotrace.%I OWNER TO isotrace_owner', item.relname);
              END LOOP;
              FOR item IN SELECT p.oid::regprocedure AS function FROM pg_proc p
                          WHERE p.pronamespace = 'isotrace'::regnamespace AND p.proowner <> 'isotrace_owner'::regrole LOOP
                EXECUTE format('ALTER FUNCTION %s OWNER TO isotrace_owner', item.function);
              END LOOP;
            END $$
            """, "hand the isotrace schema to \(CentralRoles.owner) (a database set up before the roles: run db init once as a superuser or as the schema's owner)")
    }

    /// Takes CONNECT and TEMPORARY on the database from PUBLIC and gives CONNECT to the three
    /// roles, when the connected role may (it owns the database). Returns false when PUBLIC keeps them.
    func restrictDatabaseAccess() async throws(SinkError) -> Bool {
        try await run("""
            DO $$
            BEGIN
              EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
              EXECUTE format('GRANT CONNECT ON DATABASE %I TO isotrace_owner, isotrace_reader, isotrace_node', current_database());
            EXCEPTION WHEN insufficient_privilege THEN
              NULL;
            END $$
            """, "restrict database access")
        let open = try Self.first(try await run("""
            SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                           WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type IN ('CONNECT', 'TEMPORARY'))
            """, "read database privileges"), as: Bool.self)
        return open != true
    }

    /// What `addNode` did.
    public struct NodeOutcome: Equatable, Sendable {
        /// The role was made now (else it existed for this node and got its new password or
        /// certificate-only login).
        public var roleCreated: Bool
        public var key: KeyOutcome
    }

    /// Makes (or, run again, updates) `node`'s own login role, a member of `isotrace_node` only,
    /// and registers the node's key; one transaction. `passwordVerifier` nil: the role has no
    /// password and logs in with a client certificate whose CN is its name. Refuses a role that
    /// exists and is not this node's, and a node registered under another role. A key registered
    /// for another node changes nothing and is returned as `.conflict`.
    public func addNode(node: String, role: String, password: String?, keyID: String, publicKeyPEM: String) async throws(SinkError) -> NodeOutcome {
        guard !role.isEmpty, role.utf8.count <= 63 else {
            throw .usage("role name '\(role)' must be 1-63 bytes (PostgreSQL's limit): choose one with --role")
        }
        let login = password.map { "PASSWORD '\(CentralRoles.newVerifier(password: $0))'" } ?? "PASSWORD NULL"
        return try await inTransaction("add node \(node)") { () throws(SinkError) -> NodeOutcome in
            try await run("LOCK TABLE isotrace.node IN EXCLUSIVE MODE", "lock isotrace.node")
            if let owner = try Self.first(try await run("SELECT node FROM isotrace.node_key WHERE key_id = \(keyID)", "read key"), as: String.self),
               owner != node {
                return NodeOutcome(roleCreated: false, key: .conflict(node: owner))
            }
            let registered = try Self.first(try await run("SELECT role::text FROM isotrace.node WHERE node = \(node)", "read nodes"), as: String.self)
            if let registered, registered != role {
                throw .usage("node \(node) ships as role \(registered) already (run add-node with --role \(registered) to give it a new password)")
            }
            if let other = try Self.first(try await run("SELECT node FROM isotrace.node WHERE role = \(role)", "read nodes"), as: String.self),
               other != node {
                throw .usage("role \(role) is node \(other)'s: choose another with --role")
            }
            let exists = !(try await run("SELECT 1 FROM pg_roles WHERE rolname = \(role)", "read roles")).isEmpty
            let name = CentralRoles.identifier(role)
            if registered == nil {
                if exists {
                    throw .usage("role \(role) exists already and is not an isotrace node's: choose another with --role")
                }
                try await run("CREATE ROLE \(unescaped: name) LOGIN \(unescaped: login) IN ROLE \(unescaped: CentralRoles.node)",
                              "create role \(role) (add-node needs a role with CREATEROLE)")
                try await run("INSERT INTO isotrace.node (node, role) VALUES (\(node), \(role))", "register node \(node)")
            } else {
                try await run("ALTER ROLE \(unescaped: name) LOGIN \(unescaped: login)", "change role \(role)")
            }
            let key = try await addKey(node: node, keyID: keyID, publicKeyPEM: publicKeyPEM)
            return NodeOutcome(roleCreated: registered == nil, key: key)
        }
    }
}
