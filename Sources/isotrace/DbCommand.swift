import ArgumentParser
import Base
import CentralStore
import Glibc
import Records

/// `isotrace db`: the central PostgreSQL database's schema and the nodes' keys.
struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Set up the central PostgreSQL database: schema and roles (init), nodes (add-node) and their keys (add-key).",
        subcommands: [DbInitCommand.self, DbAddNodeCommand.self, DbAddKeyCommand.self]
    )
}

/// Where to reach the database: the URL and a password file (never the password itself).
struct SinkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("PostgreSQL URL: postgres://USER@HOST[:PORT]/DB[?sslmode=verify-full&sslrootcert=FILE].", valueName: "url"))
    var sink: String

    @Option(help: ArgumentHelp("File whose first line is the password (mode 0600); else ~/.pgpass or $PGPASSFILE.", valueName: "file"))
    var passwordFile: String?
}

/// The node and its public key, as `db add-node` and `db add-key` name them.
struct NodeKeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The node's hostname, as its records name it.", valueName: "host"))
    var node: String

    @Option(help: ArgumentHelp("The node's public key PEM (its DIR/keys/isotrace.pub).", valueName: "pubkey"))
    var key: String

    /// The key file read; an unreadable or malformed one is said on stderr, exit 2.
    func publicKey() throws -> RecordPublicKey {
        do {
            return try RecordPublicKey.load(path: key)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
    }
}

struct DbInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or upgrade the isotrace schema and its roles (versioned migrations; running it again is harmless).",
        discussion: """
            Makes the group roles isotrace_owner (owns the schema and isotrace.prune(); the role \
            running init becomes a member), isotrace_reader (query --db, verify --db) and \
            isotrace_node (the nodes' roles from add-node: INSERT of their own chains only). The \
            first run needs a role with CREATEROLE (or a superuser); a database set up before the \
            roles needs one run as a superuser or as its schema's owner.
            """)

    @OptionGroup var sink: SinkOptions

    func run() throws {
        let connector = try SinkAccess.connector(url: sink.sink, passwordFile: sink.passwordFile)
        let (applied, current, restricted) = try SinkAccess.with(connector, requireSchema: false) { database throws(SinkError) in
            let outcome = try await database.migrate()
            return (outcome.applied.map { "\($0.version) (\($0.name))" }, outcome.current, outcome.databaseRestricted)
        }
        for migration in applied { FileOutput.standardError.write("isotrace: applied migration \(migration)\n") }
        if !restricted {
            FileOutput.standardError.write("isotrace: warning: PUBLIC keeps CONNECT/TEMPORARY on database \(connector.url.database) (only its owner can revoke them): REVOKE CONNECT, TEMPORARY ON DATABASE \(connector.url.database) FROM PUBLIC\n")
        }
        FileOutput.standardOutput.write("schema version \(current) in \(connector.url.redacted)" + (applied.isEmpty ? " (already up to date)" : "") + "\n")
    }
}

struct DbAddKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-key",
        abstract: "Register a node's public key: verify --db checks that node's records with it.",
        discussion: "Exit 0 when registered (or already registered for that node), 1 when the key is registered for another node, 2 on errors.")

    @OptionGroup var sink: SinkOptions

    @OptionGroup var nodeKey: NodeKeyOptions
    var node: String { nodeKey.node }

    func run() throws {
        let publicKey = try nodeKey.publicKey()
        let connector = try SinkAccess.connector(url: sink.sink, passwordFile: sink.passwordFile)
        let node = self.node
        let outcome = try SinkAccess.with(connector) { database throws(SinkError) in
            try await database.addKey(node: node, keyID: publicKey.keyID, publicKeyPEM: publicKey.pem)
        }
        switch outcome {
        case .added: FileOutput.standardOutput.write("registered key_id \(publicKey.keyID) for node \(node)\n")
        case .alreadyRegistered: FileOutput.standardOutput.write("key_id \(publicKey.keyID) was already registered for node \(node)\n")
        case .conflict(let other):
            FileOutput.standardError.write("isotrace: error: key_id \(publicKey.keyID) is registered for node \(other), not \(node)\n")
            throw ExitCodeError.violations
        }
    }
}

struct DbAddNodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-node",
        abstract: "Make a node's own database role, which may only add that node's records, and register its public key.",
        discussion: """
            The role (named as the node unless --role says otherwise) is a member of isotrace_node \
            only: it may INSERT records of the keys registered for its node and read those back, \
            nothing else. Its new random password is written to --role-password-file (mode 0600, \
            must not exist): copy that file to the node as its --password-file. With \
            --client-certificate the role has no password and logs in with a certificate whose CN \
            is the role's name. Run again for the same node and role: a new password. Needs a role \
            with CREATEROLE that is a member of isotrace_owner (the one that ran db init). Exit 0 \
            when done, 1 when the key is registered for another node, 2 on errors.
            """)

    @OptionGroup var sink: SinkOptions

    @OptionGroup var nodeKey: NodeKeyOptions
    var node: String { nodeKey.node }

    @Option(help: ArgumentHelp("The node's database role (default: the node's name).", valueName: "name"))
    var role: String?

    @Option(help: ArgumentHelp("Where to write the role's new password (mode 0600; the file must not exist).", valueName: "file"))
    var rolePasswordFile: String?

    @Flag(help: "The role gets no password: it logs in with a client certificate whose CN is its name (pg_hba.conf: hostssl ... cert).")
    var clientCertificate = false

    func validate() throws {
        guard (rolePasswordFile == nil) != !clientCertificate else {
            throw ValidationError("give exactly one of --role-password-file FILE and --client-certificate")
        }
    }

    func run() throws {
        let publicKey = try nodeKey.publicKey()
        let connector = try SinkAccess.connector(url: sink.sink, passwordFile: sink.passwordFile)
        let node = self.node, role = self.role ?? self.node
        var password: String?
        if let rolePasswordFile {
            let secret = CentralRoles.newPassword()
            let written: Bool
            do throws(SystemCallError) {
                written = try Self.writeNew(rolePasswordFile, secret + "\n")
            } catch {
                FileOutput.standardError.write("isotrace: error: \(error)\n")
                throw ExitCodeError.operational
            }
            guard written else {
                FileOutput.standardError.write("isotrace: error: \(rolePasswordFile) exists already: give a new file\n")
                throw ExitCodeError.operational
            }
            password = secret
        }
        let secret = password
        let outcome: CentralDatabase.NodeOutcome
        do {
            outcome = try SinkAccess.with(connector) { database throws(SinkError) in
                try await database.addNode(node: node, role: role, password: secret, keyID: publicKey.keyID, publicKeyPEM: publicKey.pem)
            }
        } catch {
            if let rolePasswordFile { Syscalls.remove(rolePasswordFile) }
            throw error
        }
        if case .conflict(let other) = outcome.key {
            if let rolePasswordFile { Syscalls.remove(rolePasswordFile) }
            FileOutput.standardError.write("isotrace: error: key_id \(publicKey.keyID) is registered for node \(other), not \(node): nothing changed\n")
            throw ExitCodeError.violations
        }
        let login = rolePasswordFile.map { "password in \($0)" } ?? "client certificate CN=\(role), no password"
        let key = outcome.key == .added ? "registered key_id \(publicKey.keyID)" : "key_id \(publicKey.keyID) was already registered"
        FileOutput.standardOutput.write("node \(node) ships as role \(role) (\(outcome.roleCreated ? "new" : "existing role, new login"); \(login)); \(key)\n")
    }

    /// Writes `text` to a new file, mode 0600, synced; false when the file exists.
    static func writeNew(_ path: String, _ text: String) throws(SystemCallError) -> Bool {
        guard let fd = try Syscalls.createExclusive(path, O_WRONLY, mode: 0o600) else { return false }
        defer { Syscalls.closeFile(fd) }
        try Syscalls.writeAll(fd, Array(text.utf8), path: path)
        try Syscalls.sync(fd, path: path)
        return true
    }
}
