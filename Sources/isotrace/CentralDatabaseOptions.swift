import ArgumentParser

/// `--db URL [--node HOST] [--password-file FILE]`: the central PostgreSQL database that `query`
/// and `verify` can ask instead of the local records (README "Site deployment").
struct CentralDatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Ask the central PostgreSQL database (every node's records) instead of DIR.", valueName: "url"))
    var db: String?

    @Option(help: ArgumentHelp("With --db: only this node.", valueName: "host"))
    var node: String?

    @Option(help: ArgumentHelp("With --db: file whose first line is the password (mode 0600).", valueName: "file"))
    var passwordFile: String?

    func validate() throws {
        if db == nil, node != nil || passwordFile != nil { throw ValidationError("--node and --password-file go with --db") }
    }
}
