import Base
import ProcFS
import RecordIndex
import Records

/// Where `query --verify` gets its record verifier: the node's public key (DIR/keys/isotrace.pub)
/// and the Records target's check of one record line (strict JSON, keys, key_id, signature).
enum RecordVerifierProvider {
    static func publicKeyPath(directory: String) -> String {
        KeyPairFiles(outputDirectory: directory).publicKeyPath
    }

    /// nil when the public key cannot be loaded.
    static func verifier(directory: String) -> RecordVerifying? {
        guard let key = try? RecordPublicKey.load(path: publicKeyPath(directory: directory)) else { return nil }
        return CitedRecordVerifier(directory: directory, verifier: ChainVerifier(outputDirectory: directory, publicKey: key))
    }
}

/// Verifies the records a query cites, one line at a time.
struct CitedRecordVerifier: RecordVerifying {
    let directory: String
    let verifier: ChainVerifier

    func verify(file: String, line: Int) -> RecordVerdict {
        let path = directory + "/" + file
        do throws(SystemCallError) {
            var reader = try LineReader(path: path)
            defer { reader.close() }
            while let next = try reader.next(), next.number <= line {
                guard next.number == line else { continue }
                let problems = verifier.problems(inLine: next.bytes)
                return problems.isEmpty ? .valid : .invalid(reason: problems.joined(separator: "; "))
            }
            return .invalid(reason: "\(path) has no line \(line)")
        } catch {
            return .invalid(reason: "\(error)")
        }
    }
}
