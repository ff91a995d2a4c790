import ArgumentParser
import CentralStore
import Records

/// `isotrace db`: the central PostgreSQL database's schema and the nodes' keys.
struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Set up the central PostgreSQL database: schema (init) and node keys (add-key).",
        subcommands: [DbInitCommand.self, DbAddKeyCommand.self]
    )
}

/// Where to reach the database: the URL and a password file (never the password itself).
struct SinkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("PostgreSQL URL: postgres://USER@HOST[:PORT]/DB[?sslmode=verify-full&sslrootcert=FILE].", valueName: "url"))
    var sink: String

    @Option(help: ArgumentHelp("File whose first line is the password (mode 0600); else ~/.pgpass or $PGPASSFILE.", valueName: "file"))
    var passwordFile: String?
}

struct DbInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or upgrade the isotrace schema (versioned migrations; running it again is harmless).")

    @OptionGroup var sink: SinkOptions

    func run() throws {
        let connector = try SinkAccess.connector(url: sink.sink, passwordFile: sink.passwordFile)
        let (applied, current) = try SinkAccess.with(connector, requireSchema: false) { database throws(SinkError) in
            let outcome = try await database.migrate()
            return (outcome.applied.map { "\($0.version) (\($0.name))" }, outcome.current)
        }
        for migration in applied { FileOutput.standardError.write("isotrace: applied migration \(migration)\n") }
        FileOutput.standardOutput.write("schema version \(current) in \(connector.url.redacted)" + (applied.isEmpty ? " (already up to date)" : "") + "\n")
    }
}

struct DbAddKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-key",
        abstract: "Register a node's public key: verify --db checks that node's records with it.",
        discussion: "Exit 0 when registered (or already registered for that node), 1 when the key is registered for another node, 2 on errors.")

    @OptionGroup var sink: SinkOptions

    @Option(help: ArgumentHelp("The node's hostname, as its records name it.", valueName: "host"))
    var node: String

    @Option(help: ArgumentHelp("The node's public key PEM (its DIR/keys/isotrace.pub).", valueName: "pubkey"))
    var key: String

    func run() throws {
        let publicKey: RecordPublicKey
        do {
            publicKey = try RecordPublicKey.load(path: key)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
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
