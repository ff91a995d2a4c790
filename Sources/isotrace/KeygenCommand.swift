import Agent
import ArgumentParser
import ProcFS
import Records

/// `isotrace keygen`: the node's root key pair and its first epoch key.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create the node's root key (DIR/keys/isotrace.pub) and its first epoch key; the root private key is not kept.",
        discussion: """
            Makes an Ed25519 root key pair, writes its public key to DIR/keys/isotrace.pub (register \
            it: db add-node or db add-key; verify --public-key), makes the epoch 1 key \
            (DIR/keys/epoch-1.key, PKCS#8 PEM, mode 0600) and appends the chain's first record, a \
            key_rotation signed by the root key that names it. The root private key is then zeroed: \
            it is never written on the node, except where --offline-copy says (take that copy off \
            the node). The daemon and audit --record move to a new epoch key at every start and \
            every --key-epoch, erasing the old one. An existing key is never overwritten (exit 2).

            --rekey-from FILE re-keys an existing chain instead, with the root private key's \
            offline copy: for a node whose epoch key is lost (audit --record and the daemon refuse \
            to go on) or was held by an attacker. It verifies the chain from DIR/keys/isotrace.pub, \
            appends a key_rotation signed by the root key to a new epoch key, and erases every \
            other epoch key; verify accepts a root-signed key_rotation anywhere in the chain. The \
            records before it are not repaired: verify still reports what breaks the chain. The \
            daemon must be stopped (exit 2 while it runs).
            """
    )

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @Option(name: .customLong("offline-copy"), help: ArgumentHelp("Also write the root private key here (created new, mode 0600), to keep off the node.", valueName: "file"))
    var offlineCopy: String?

    @Option(name: .customLong("rekey-from"), help: ArgumentHelp("Re-key the existing chain with the root private key in this file (keygen --offline-copy): a root-signed key_rotation to a new epoch key.", valueName: "file"))
    var rekeyFrom: String?

    func validate() throws {
        if rekeyFrom != nil, offlineCopy != nil { throw ValidationError("--offline-copy makes a new root key; --rekey-from uses the existing one: give one of them") }
    }

    func run() throws {
        if let rekeyFrom { return try rekey(from: rekeyFrom) }
        try stateDirectory.create()
        let files = KeyPairFiles(outputDirectory: out)
        let made: KeyPairFiles.ForwardSecureKeys
        do {
            let node = RecordNode(try NodeFactsReader(procRoot: "/proc").read())
            made = try files.createForwardSecure(node: node, offlineCopy: offlineCopy)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        FileOutput.standardOutput.write("""
            key_id \(made.root.keyID) (root key)
            public key  \(files.publicKeyPath) (register it and give it to whoever verifies the records)
            root private key \(offlineCopy.map { "in \($0) only: take it off this node" } ?? "not kept anywhere (erased after signing epoch 1)")
            epoch 1 key \(made.epochKeyPath) (certified by key_rotation seq \(made.rotation.seq) in \(made.rotation.file))

            """)
    }

    /// `--rekey-from FILE`: the daemon stopped (its lock held meanwhile), the root key read and
    /// checked against isotrace.pub, the chain re-keyed, the root key zeroed.
    private func rekey(from path: String) throws {
        try stateDirectory.requireRecords()
        let outcome: RootRekey.Outcome
        do {
            let lock = try DaemonLock.acquire(outputDirectory: out)
            defer { lock.release() }
            let root = try RecordSigningKey.loadOfflineCopy(path: path)
            defer { root.erase() }
            let node = RecordNode(try NodeFactsReader(procRoot: "/proc").read())
            outcome = try RootRekey(outputDirectory: out).run(root: root, node: node)
        } catch let held as DaemonLock.Held {
            FileOutput.standardError.write("isotrace: error: \(held); stop it first (systemctl stop isotrace), then re-key\n")
            throw ExitCodeError.operational
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        let before = outcome.before
        let state = before.problems.isEmpty
            ? "intact (\(before.records) record(s))"
            : "\(before.problems.count) problem(s), first at \(before.problems[0].file):\(before.problems[0].line): not repaired by the re-key, verify still reports them"
        var lines = [
            "chain before the re-key: \(state); last epoch \(before.epochs.last?.number ?? 0)",
            "epoch \(outcome.epoch) key \(outcome.keyPath) (certified by the root key: key_rotation seq \(outcome.rotation.seq) in \(outcome.rotation.file))",
        ]
        lines += outcome.erased.map { "erased \($0)" }
        lines += outcome.recovered.map { "partial last line moved to \($0.file) (\($0.bytes) bytes); recovery record seq \($0.record.seq)" }
        lines.append("root private key: zeroed in memory; \(path) is still there: take it off this node again")
        FileOutput.standardOutput.write(lines.joined(separator: "\n") + "\n")
    }
}
