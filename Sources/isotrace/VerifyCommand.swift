import ArgumentParser
import Base
import Records

/// `isotrace verify`: proof that no record was altered, removed, reordered or inserted.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every signature, the hash chain and the seq order of the records in DIR/records.",
        discussion: """
            Needs only the public key: the node's root key (keygen), from which it follows the \
            key_rotation records and checks every record with the key of its own epoch; a record \
            signed with any other key is tampering. Exit 0 when the chain is intact, 1 when a record was altered, \
            removed, reordered, inserted or truncated (each problem printed with file, line, seq and \
            reason), 2 on operational errors (no key, unreadable directory, no records at all). Says on stderr \
            which key it trusted; without --public-key that is the key beside the records, which whoever \
            rewrote the records could have replaced too.
            """
    )

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @Option(name: .customLong("public-key"), help: ArgumentHelp("Public key PEM (default: DIR/keys/isotrace.pub).", valueName: "file"))
    var publicKey: String?

    /// The name this option had before --public-key; still accepted, no longer shown.
    @Option(name: .customLong("key"), help: ArgumentHelp("Old name of --public-key.", valueName: "file", visibility: .hidden))
    var oldPublicKeyName: String?

    var key: String? { publicKey ?? oldPublicKeyName }

    @OptionGroup var central: CentralDatabaseOptions

    func validate() throws {
        if publicKey != nil, oldPublicKeyName != nil { throw ValidationError("--key is the old name of --public-key: give one of them") }
        if central.db != nil, key != nil { throw ValidationError("--public-key is for local segments; --db uses the keys registered with db add-key") }
    }

    /// What signed the chain: one key, or the epoch keys followed from the root key.
    static func keys(_ report: VerificationReport) -> String {
        guard let last = report.epochs.last, last.number > 0 else { return "single key (not forward-secure)" }
        return "epoch keys: \(report.epochs.count - 1) key_rotation(s) followed from the root key, last epoch \(last.number) (key_id \(last.keyID))"
    }

    func run() throws {
        if let db = central.db { return try CentralVerifyOutput.run(url: db, passwordFile: central.passwordFile, node: central.node) }
        try stateDirectory.requireRecords()
        let report: VerificationReport
        let trust = VerificationKeyTrust(outputDirectory: out, keyPath: key)
        do {
            let publicKey = try RecordPublicKey.load(path: trust.keyPath)
            FileOutput.standardError.write("isotrace: \(trust.statement(keyID: publicKey.keyID))\n")
            if let warning = trust.warning { FileOutput.standardError.write("isotrace: warning: \(warning)\n") }
            let verifier = ChainVerifier(outputDirectory: out, publicKey: publicKey)
            report = try verifier.verify()
        } catch let error as SystemCallError where error.isNotFound && error.path == SegmentDirectory(outputDirectory: out).path {
            FileOutput.standardError.write("isotrace: error: \(error.path): no records directory: nothing to verify (were the records removed?)\n")
            throw ExitCodeError.operational
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        // An empty chain proves nothing: the records may have been removed with their segments.
        guard report.records > 0 else {
            FileOutput.standardError.write("isotrace: error: \(SegmentDirectory(outputDirectory: out).path): no records: an empty chain proves nothing (were the segments removed?)\n")
            throw ExitCodeError.operational
        }
        for problem in report.problems {
            FileOutput.standardOutput.write(PrintableText.escape("\(problem)") + "\n")
        }
        let range = report.firstSeq.map { "seq \($0)-\(report.lastSeq!)" } ?? "no seq"
        let counts = "\(report.records) record(s) in \(report.segments) segment(s), \(range), key_id \(report.keyID)"
        if report.isIntact {
            let partial = report.partialFiles.isEmpty ? "" : "; \(report.partialFiles.count) partial line(s) moved aside by recovery"
            let pruned = report.prunedThrough.map { "; seq 1-\($0) pruned (checkpoint seq \(report.checkpointSeq!))" } ?? ""
            FileOutput.standardOutput.write("intact: \(counts)\(partial)\(pruned); \(Self.keys(report))\n")
        } else {
            FileOutput.standardOutput.write("TAMPERED: \(report.problems.count) problem(s); \(counts)\n")
            throw ExitCodeError.violations
        }
    }
}
