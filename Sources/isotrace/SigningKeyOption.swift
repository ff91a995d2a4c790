import ArgumentParser

/// `--key FILE`: the private key that signs records (`keygen` makes it).
struct SigningKeyOption: ParsableArguments {
    @Option(help: ArgumentHelp("Private key PEM that signs the records (default: DIR/keys/isotrace.key).", valueName: "file"))
    var key: String?
}
