import Base
import Records

/// Which key signs records for `audit --record`, `daemon` and `prune`: `--key FILE` (one
/// long-lived key), else DIR/keys/isotrace.key when a node set up before epoch keys has one
/// (also one key), else the epoch keys under the root key DIR/keys/isotrace.pub.
enum ChainSignerChoice {
    static func resolve(outputDirectory: String, keyPath: String?) throws -> (signer: ChainSigner, warning: String?) {
        let files = KeyPairFiles(outputDirectory: outputDirectory)
        if let keyPath {
            return (.single(try RecordSigningKey.load(path: keyPath)), nil)
        }
        if Syscalls.exists(files.privateKeyPath) {
            return (.single(try RecordSigningKey.load(path: files.privateKeyPath)),
                    "signing with the single long-lived key \(files.privateKeyPath) (not forward-secure: whoever takes it can re-sign every record); a node set up with isotrace keygen now gets epoch keys")
        }
        let root: RecordPublicKey
        do {
            root = try RecordPublicKey.load(path: files.publicKeyPath)
        } catch {
            throw KeyError(path: files.publicKeyPath, reason: "no key: create the node's keys with: isotrace keygen --out \(outputDirectory)")
        }
        return (.epochs(EpochKeyStore(outputDirectory: outputDirectory, root: root)), nil)
    }
}
