import Base
import Records

/// Checks the records an answer cites, as `isotrace verify` would: that each cited line is still
/// the line the index hashed (citation), that its Ed25519 signature holds under the node's public
/// key DIR/keys/isotrace.pub (strict JSON, keys, key_id, signature), and the whole chain. The one
/// place `query --verify` and the incident report check what they cite.
public struct CitedRecordVerifier {
    /// The `--out` directory holding records/ and keys/.
    public let directory: String
    public let publicKeyPath: String
    /// nil when the public key cannot be loaded: signatures and the chain are then not checked.
    public let publicKey: RecordPublicKey?

    public init(directory: String) {
        self.directory = directory
        publicKeyPath = KeyPairFiles(outputDirectory: directory).publicKeyPath
        publicKey = try? RecordPublicKey.load(path: publicKeyPath)
    }

    /// One cited record as checked, with its line when it could be read.
    public struct Check: Sendable {
        public var record: CitedRecord
        public var line: [UInt8]?
        public var signature: ProofCheck
        /// The line still hashes to the indexed SHA-256.
        public var citation: ProofCheck
    }

    /// Checks every record in `records`, reading each segment once.
    public func check(_ records: [CitedRecord], reader: IndexReader) -> [Check] {
        let lines = readLines(records)
        let verifier = publicKey.map { ChainVerifier(outputDirectory: directory, publicKey: $0) }
        return records.map { record in
            let path = directory + "/" + record.file
            let line = lines[record.file]?.lines[Int(record.line)]
            let signature: ProofCheck
            switch (verifier, line, lines[record.file]?.error) {
            case (nil, _, _): signature = .notChecked(reason: "no public key at \(publicKeyPath)")
            case (_?, nil, let error?): signature = .failed(reason: "\(error)")
            case (_?, nil, nil): signature = .failed(reason: "\(path) has no line \(record.line)")
            case (let verifier?, let bytes?, _):
                let problems = verifier.problems(inLine: bytes)
                signature = problems.isEmpty ? .verified : .failed(reason: problems.joined(separator: "; "))
            }
            let citation: ProofCheck = reader.citationProblem(record).map { .failed(reason: $0) } ?? .verified
            return Check(record: record, line: line, signature: signature, citation: citation)
        }
    }

    /// The whole chain verified and summarised; nil without a public key.
    public func chain() -> ChainSummary? {
        guard let publicKey else { return nil }
        do {
            let report = try ChainVerifier(outputDirectory: directory, publicKey: publicKey).verify()
            return ChainSummary(records: report.records, firstSeq: report.firstSeq, lastSeq: report.lastSeq,
                                problems: report.problems.map(\.description))
        } catch {
            return ChainSummary(records: 0, firstSeq: nil, lastSeq: nil, problems: ["\(directory)/records: \(error)"])
        }
    }

    /// file -> the cited lines by number (one pass per segment), and the error that stopped the
    /// reading of that file, if any.
    private func readLines(_ records: [CitedRecord]) -> [String: (lines: [Int: [UInt8]], error: SystemCallError?)] {
        var wanted: [String: Set<Int>] = [:]
        for record in records { wanted[record.file, default: []].insert(Int(record.line)) }
        var found: [String: (lines: [Int: [UInt8]], error: SystemCallError?)] = [:]
        for (file, numbers) in wanted {
            var lines: [Int: [UInt8]] = [:]
            do {
                var reader = try LineReader(path: directory + "/" + file)
                defer { reader.close() }
                let last = numbers.max() ?? 0
                while let next = try reader.next(), next.number <= last {
                    if numbers.contains(next.number) { lines[next.number] = next.bytes }
                }
                found[file] = (lines, nil)
            } catch {
                found[file] = (lines, error)
            }
        }
        return found
    }
}
