/// How a writer signs: with forward-secure epoch keys (`keygen` made the node's root key,
/// certified epoch 1 with it and erased it), or with one long-lived key (`--key FILE`, or a node
/// set up before epoch keys: DIR/keys/isotrace.key), which is not forward-secure: whoever takes
/// the key can re-sign every record.
public enum ChainSigner: Sendable {
    case single(RecordSigningKey)
    case epochs(EpochKeyStore)

    /// The key_id that names the chain (syslog, the central store): the root key's with epoch
    /// keys, whose epoch keys change every rotation; the one key's otherwise.
    public var chainKeyID: String {
        switch self {
        case .single(let key): return key.keyID
        case .epochs(let store): return store.root.keyID
        }
    }

    /// The public key a verifier starts from: the root key, or the one key.
    public var rootPublicKey: RecordPublicKey {
        switch self {
        case .single(let key): return key.publicKey
        case .epochs(let store): return store.root
        }
    }

    public var isForwardSecure: Bool {
        if case .epochs = self { return true }
        return false
    }
}
