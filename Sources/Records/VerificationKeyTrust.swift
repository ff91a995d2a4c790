import Base

/// Which public key `verify` trusts, and how far: a key given from outside the output directory
/// (a copy kept off the node) proves the records; the key beside them (`DIR/keys/isotrace.pub`,
/// the default) proves only that they match a key whoever rewrote them could also have replaced.
public struct VerificationKeyTrust: Sendable {
    public var keyPath: String
    /// True when the key comes from outside the output directory.
    public var isOutside: Bool
    public var outputDirectory: String

    public init(outputDirectory: String, keyPath: String?) {
        self.outputDirectory = outputDirectory
        self.keyPath = keyPath ?? KeyPairFiles(outputDirectory: outputDirectory).publicKeyPath
        isOutside = keyPath.map { !Self.isInside($0, directory: outputDirectory) } ?? false
    }

    /// One line naming the key and where it came from.
    public func statement(keyID: String) -> String {
        "verifying with public key \(keyPath) (key_id \(keyID)), "
            + (isOutside ? "given from outside \(outputDirectory)" : "from inside \(outputDirectory), beside the records")
    }

    /// The warning for a key that sits beside the records; nil for a key from outside.
    public var warning: String? {
        guard !isOutside else { return nil }
        return "\(keyPath) could have been replaced together with the records it verifies; "
            + "for evidence, verify with a copy of the public key kept off the node (--public-key FILE) or with verify --db"
    }

    /// True when `path` resolves to `directory` or below it (links resolved, as the kernel would).
    static func isInside(_ path: String, directory: String) -> Bool {
        guard let file = Syscalls.realPath(path), let base = Syscalls.realPath(directory) else { return true }  // unresolvable: assume the worst
        return base == "/" || file == base || file.hasPrefix(base + "/")
    }
}
