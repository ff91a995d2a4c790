import CentralStore

/// `isotrace verify --db URL [--node HOST]`: every node chain in the central database checked
/// with the registered keys; problems with node, key_id and seq on stdout, exit 1 when any.
enum CentralVerifyOutput {
    static func run(url: String, passwordFile: String?, node: String?) throws {
        let connector = try SinkAccess.connector(url: url, passwordFile: passwordFile)
        let verification = try SinkAccess.with(connector) { database throws(SinkError) in try await database.verify(node: node) }
        for problem in verification.problems { FileOutput.standardOutput.write("\(problem)\n") }
        for chain in verification.chains {
            let range = chain.firstSeq.map { "seq \($0)-\(chain.lastSeq!)" } ?? "no records"
            let state = chain.problems == 0 ? "intact" : "TAMPERED (\(chain.problems) problem(s))"
            FileOutput.standardOutput.write("\(state): node \(chain.node) key_id \(chain.keyID): \(chain.records) record(s), \(range)\n")
        }
        if verification.chains.isEmpty {
            FileOutput.standardError.write("isotrace: no registered key\(node.map { " for node \($0)" } ?? "") in \(connector.url.redacted) (isotrace db add-key)\n")
            if node != nil { throw ExitCodeError.operational }
        }
        if !verification.isIntact {
            FileOutput.standardOutput.write("TAMPERED: \(verification.problems.count) problem(s) in \(verification.chains.filter { $0.problems > 0 }.count) of \(verification.chains.count) node chain(s)\n")
            throw ExitCodeError.violations
        }
        FileOutput.standardOutput.write("intact: \(verification.chains.count) node chain(s), \(verification.chains.reduce(0) { $0 + $1.records }) record(s)\n")
    }
}
