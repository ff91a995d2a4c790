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
            """
    )

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @Option(name: .customLong("offline-copy"), help: ArgumentHelp("Also write the root private key here (created new, mode 0600), to keep off the node.", valueName: "file"))
    var offlineCopy: String?

    func run() throws {
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
}
