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

            --anchors FILE: chain heads kept off the node (the daemon's syslog msgid chain_head). Each \
            line of FILE is one head, either a JSON object ({"seq":N,"sha256":"<64 hex>"}, the syslog \
            message body, which also names key_id and hostname) or a whole syslog line whose message \
            is that object (RFC 5424 or traditional, as rsyslog files it and a SIEM exports it). Blank \
            lines are skipped; any other line is an error naming FILE:LINE (exit 2). Every head of \
            this chain (its hostname and machine_id, when the line names them; else its key_id) must still be in it: a \
            chain that ends before the head's seq, or whose line of that seq hashes to something else, \
            was cut back or rewritten (exit 1, naming the head). Heads of other chains are listed as \
            not applicable; a FILE with none for this chain is an error (exit 2).

            --db URL: the central store instead: every node chain there verified with the keys \
            registered with db add-key; and when DIR/records exists, the local chain compared with \
            the central copy: a chain cut back past a seq the central store holds, or differing from \
            it at a shipped seq, fails naming the first such seq (exit 1).
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

    @Option(help: ArgumentHelp("Chain heads kept off the node, one per line: a JSON object ({\"seq\",\"sha256\"}, the syslog chain_head body) or a whole syslog line carrying it. The chain must still hold each.",
                               valueName: "file"))
    var anchors: String?

    @OptionGroup var central: CentralDatabaseOptions

    func validate() throws {
        if publicKey != nil, oldPublicKeyName != nil { throw ValidationError("--key is the old name of --public-key: give one of them") }
        if central.db != nil, key != nil { throw ValidationError("--public-key is for local segments; --db uses the keys registered with db add-key") }
        if central.db != nil, anchors != nil { throw ValidationError("--anchors checks the local chain: run it without --db (--db compares the local chain with the central copy itself)") }
    }

    /// What signed the chain: one key, or the epoch keys followed from the root key.
    static func keys(_ report: VerificationReport) -> String {
        guard let last = report.epochs.last, last.number > 0 else { return "single key (not forward-secure)" }
        let rekeys = report.epochs.filter(\.isRekey).compactMap { epoch in epoch.rotationSeq.map { "seq \($0) (epoch \(epoch.number))" } }
        let rekeyed = rekeys.isEmpty ? "" : "; re-keyed by the root key at \(rekeys.joined(separator: ", "))"
        return "epoch keys: \(report.epochs.count - 1) key_rotation(s) followed from the root key, last epoch \(last.number) (key_id \(last.keyID))\(rekeyed)"
    }

    func run() throws {
        if let db = central.db {
            return try CentralVerifyOutput.run(url: db, passwordFile: central.passwordFile, node: central.node, localChain: localChainForCentral())
        }
        try stateDirectory.requireRecords()
        let anchorList = try anchors.map(readAnchors) ?? []
        let report: VerificationReport
        let trust = VerificationKeyTrust(outputDirectory: out, keyPath: key)
        do {
            let publicKey = try RecordPublicKey.load(path: trust.keyPath)
            FileOutput.standardError.write("isotrace: \(trust.statement(keyID: publicKey.keyID))\n")
            if let warning = trust.warning { FileOutput.standardError.write("isotrace: warning: \(warning)\n") }
            let verifier = ChainVerifier(outputDirectory: out, publicKey: publicKey)
            report = try verifier.verify(anchors: anchorList)
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
        let failed = report.anchors.filter(\.fails)
        for outcome in report.anchors where outcome.fails || !outcome.isHeldOrPruned {
            FileOutput.standardOutput.write(PrintableText.escape("\(outcome)") + "\n")
        }
        if let anchors, report.problems.isEmpty, report.anchors.allSatisfy({ if case .notApplicable = $0.verdict { return true } else { return false } }) {
            FileOutput.standardError.write("isotrace: error: \(anchors): none of its \(report.anchors.count) chain head(s) is this chain's (key_id \(report.keyID)): nothing was checked\n")
            throw ExitCodeError.operational
        }
        let range = report.firstSeq.map { "seq \($0)-\(report.lastSeq!)" } ?? "no seq"
        let counts = "\(report.records) record(s) in \(report.segments) segment(s), \(range), key_id \(report.keyID)" + anchorSummary(report)
        if report.isIntact {
            let partial = report.partialFiles.isEmpty ? "" : "; \(report.partialFiles.count) partial line(s) moved aside by recovery"
            let pruned = report.prunedThrough.map { "; seq 1-\($0) pruned (checkpoint seq \(report.checkpointSeq!))" } ?? ""
            FileOutput.standardOutput.write("intact: \(counts)\(partial)\(pruned); \(Self.keys(report))\n")
        } else {
            let anchorText = failed.isEmpty ? "" : (report.problems.isEmpty ? "" : " and ") + "\(failed.count) anchored head(s) no longer in the chain"
            let problemText = report.problems.isEmpty && !failed.isEmpty ? "" : "\(report.problems.count) problem(s)"
            FileOutput.standardOutput.write("TAMPERED: \(problemText)\(anchorText); \(counts)\n")
            throw ExitCodeError.violations
        }
    }

    /// The anchors of FILE; an unreadable FILE, a line that is not a head, a FILE without heads: exit 2.
    private func readAnchors(_ path: String) throws -> [ChainAnchor] {
        do {
            let anchors = try AnchorFile.parse(try Syscalls.readRange(path, from: 0), file: path)
            guard !anchors.isEmpty else {
                FileOutput.standardError.write("isotrace: error: \(path): no chain head in it: nothing to check the chain against\n")
                throw ExitCodeError.operational
            }
            return anchors
        } catch let error as AnchorLineError {
            FileOutput.standardError.write("isotrace: error: \(PrintableText.escape(error.description))\n")
            throw ExitCodeError.operational
        } catch let error as SystemCallError {
            FileOutput.standardError.write("isotrace: error: --anchors: \(error)\n")
            throw ExitCodeError.operational
        }
    }

    /// `; anchors FILE: 5 held (seq 3-120), 1 not applicable`; exit 2 when heads were given but
    /// none is this chain's (checked against nothing, which must not read as a pass).
    private func anchorSummary(_ report: VerificationReport) -> String {
        guard let anchors, !report.anchors.isEmpty else { return "" }
        let held = report.anchors.filter { if case .held = $0.verdict { return true } else { return false } }
        let pruned = report.anchors.filter { if case .pruned = $0.verdict { return true } else { return false } }
        let other = report.anchors.filter { if case .notApplicable = $0.verdict { return true } else { return false } }
        var parts = ["\(held.count) held" + (held.isEmpty ? "" : " (seq \(held.map(\.anchor.head.seq).min()!)-\(held.map(\.anchor.head.seq).max()!))")]
        if !pruned.isEmpty { parts.append("\(pruned.count) pruned") }
        let failed = report.anchors.filter(\.fails).count
        if failed > 0 { parts.append("\(failed) no longer in the chain") }
        if !other.isEmpty { parts.append("\(other.count) not applicable") }
        return "; anchors \(anchors): " + parts.joined(separator: ", ")
    }

    /// With --db: the local chain to compare with the central copy, when DIR/records exists. The
    /// daemon's state directory (no --out) without records is a host that is no node: central only.
    private func localChainForCentral() throws -> String? {
        if Syscalls.exists(out + "/records") { return out }
        let configured = (try? StateDirectoryConfig.load())?.directory ?? StateDirectoryConfig.defaultDirectory
        if out == configured {
            FileOutput.standardError.write("isotrace: no local chain at \(out)/records: checking the central copy only\n")
            return nil
        }
        FileOutput.standardError.write("isotrace: error: \(out)/records: no records directory: nothing to compare with the central copy (were the records removed?)\n")
        throw ExitCodeError.operational
    }
}

extension AnchorOutcome {
    /// Held and pruned anchors are counted in the summary, not listed.
    var isHeldOrPruned: Bool {
        switch verdict {
        case .held, .pruned: return true
        case .missing, .differs, .notApplicable: return false
        }
    }
}
