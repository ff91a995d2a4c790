import Base
import CentralStore

/// `isotrace verify --db URL [--node HOST]`: every node chain in the central database checked
/// with the registered keys; problems with node, key_id and seq on stdout, exit 1 when any. With a
/// local chain (`localChain`: the state directory holding records/), that chain is also compared
/// with the central copy: cut back past a shipped seq, or differing at one, is exit 1.
enum CentralVerifyOutput {
    static func run(url: String, passwordFile: String?, node: String?, localChain: String? = nil) throws {
        let connector = try SinkAccess.connector(url: url, passwordFile: passwordFile)
        let (verification, comparison) = try SinkAccess.with(connector) { database throws(SinkError) -> (CentralVerification, LocalChainComparison?) in
            let verification = try await database.verify(node: node)
            guard let localChain else { return (verification, nil) }
            return (verification, try await database.compare(localChain: localChain))
        }
        for problem in verification.problems { FileOutput.standardOutput.write("\(problem)\n") }
        for chain in verification.chains {
            let range = chain.firstSeq.map { "seq \($0)-\(chain.lastSeq!)" } ?? "no records"
            let state = chain.problems == 0 ? "intact" : "TAMPERED (\(chain.problems) problem(s))"
            FileOutput.standardOutput.write("\(state): node \(chain.node) key_id \(chain.keyID): \(chain.records) record(s), \(range)\n")
        }
        if let comparison { report(comparison) }
        if verification.chains.isEmpty {
            FileOutput.standardError.write("isotrace: no registered key\(node.map { " for node \($0)" } ?? "") in \(connector.url.redacted) (isotrace db add-key)\n")
            if node != nil { throw ExitCodeError.operational }
        }
        let localProblems = comparison?.problems.count ?? 0
        if !verification.isIntact || localProblems > 0 {
            var parts: [String] = []
            if !verification.isIntact {
                parts.append("\(verification.problems.count) problem(s) in \(verification.chains.filter { $0.problems > 0 }.count) of \(verification.chains.count) node chain(s)")
            }
            if localProblems > 0 { parts.append("the local chain \(comparison!.outputDirectory)/records parts from the central copy") }
            FileOutput.standardOutput.write("TAMPERED: \(parts.joined(separator: "; "))\n")
            throw ExitCodeError.violations
        }
        FileOutput.standardOutput.write("intact: \(verification.chains.count) node chain(s), \(verification.chains.reduce(0) { $0 + $1.records }) record(s)\n")
    }

    /// `local chain DIR/records (seq 1-120, key_id K): ...` and each way it parts from the central copy.
    static func report(_ comparison: LocalChainComparison) {
        let path = comparison.outputDirectory + "/records"
        for problem in comparison.problems {
            FileOutput.standardOutput.write(PrintableText.escape("local chain \(path): \(problem)") + "\n")
        }
        let range = comparison.firstSeq.map { "seq \($0)-\(comparison.lastSeq!)" } ?? "no records"
        let keys = comparison.keyIDs.isEmpty ? "" : ", key_id \(comparison.keyIDs.joined(separator: ", "))"
        let state = comparison.agrees ? "agrees with the central copy" : "TAMPERED: parts from the central copy"
        let shipped = comparison.lastShipped.map { "; \(comparison.agreeing) record(s) the same in both, up to seq \($0)" } ?? "; nothing of it in the central store"
        let waiting = comparison.notShipped > 0 ? "; \(comparison.notShipped) record(s) not shipped yet" : ""
        FileOutput.standardOutput.write(PrintableText.escape("\(state): local chain \(path) (\(range)\(keys))\(shipped)\(waiting)") + "\n")
    }
}
