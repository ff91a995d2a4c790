import ArgumentParser
import Records

/// `isotrace keygen`: the node's Ed25519 key pair for signing records.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create the Ed25519 key pair that signs records (DIR/keys/isotrace.key and isotrace.pub).",
        discussion: """
            The private key is PKCS#8 PEM with mode 0600, the public key SubjectPublicKeyInfo PEM, \
            readable by openssl and any language. An existing key is never overwritten (exit 2). \
            Give isotrace.pub to whoever verifies the records; the key_id printed is in every record.
            """
    )

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    func run() throws {
        try stateDirectory.create()
        let files = KeyPairFiles(outputDirectory: out)
        let key: RecordSigningKey
        do {
            key = try files.create()
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        FileOutput.standardOutput.write("""
            key_id \(key.keyID)
            private key \(files.privateKeyPath) (mode 0600: keep it on this node)
            public key  \(files.publicKeyPath) (give it to whoever verifies the records)

            """)
    }
}
