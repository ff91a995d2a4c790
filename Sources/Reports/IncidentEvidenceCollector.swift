import Base
import ProcFS
import RecordIndex
import Records

/// Gathers what `query --panda-id N --format html` shows as proof: each cited record's line read
/// from its segment, checked against the index's hash and its signature, its key_id, node and the
/// owner it states; and the whole chain checked as `isotrace verify` does.
public enum IncidentEvidenceCollector {
    public static func collect(pandaID: String, result: QueryResult, reader: IndexReader, directory: String) -> IncidentEvidence {
        let keyPath = KeyPairFiles(outputDirectory: directory).publicKeyPath
        let key = try? RecordPublicKey.load(path: keyPath)
        let verifier = key.map { ChainVerifier(outputDirectory: directory, publicKey: $0) }
        let lines = readLines(result.records, directory: directory)
        var proofs: [RecordProof] = []
        var owners: [RecordedOwner] = []
        var nodes: [RecordNode] = []
        for record in result.records {
            let line = lines[record.file]?[Int(record.line)]
            let facts = line.flatMap { RecordLineFacts.parse($0, pandaID: pandaID, seq: record.seq) }
            if let facts {
                owners += facts.owners
                if let node = facts.node, !nodes.contains(node) { nodes.append(node) }
            }
            let signature: ProofCheck
            switch (verifier, line) {
            case (nil, _): signature = .notChecked(reason: "no public key at \(keyPath)")
            case (_, nil): signature = .failed(reason: "\(record.file) has no line \(record.line)")
            case (let verifier?, let bytes?):
                let problems = verifier.problems(inLine: bytes)
                signature = problems.isEmpty ? .verified : .failed(reason: problems.joined(separator: "; "))
            }
            let citation: ProofCheck = reader.citationProblem(record).map { .failed(reason: $0) } ?? .verified
            proofs.append(RecordProof(record: record, keyID: facts?.keyID, signature: signature, citation: citation))
        }
        var chain: ChainSummary?
        if let verifier {
            do {
                let report = try verifier.verify()
                chain = ChainSummary(records: report.records, firstSeq: report.firstSeq, lastSeq: report.lastSeq,
                                     problems: report.problems.map(\.description))
            } catch {
                chain = ChainSummary(records: 0, firstSeq: nil, lastSeq: nil, problems: ["\(directory)/records: \(error)"])
            }
        }
        return IncidentEvidence(pandaID: pandaID, result: result, proofs: proofs, owners: RecordLineFacts.merge(owners),
                                nodes: nodes, chain: chain, recordDirectory: directory, publicKeyPath: keyPath,
                                publicKeyID: key?.keyID)
    }

    /// file -> line number -> bytes, for the cited lines only; one pass per segment.
    static func readLines(_ records: [CitedRecord], directory: String) -> [String: [Int: [UInt8]]] {
        var wanted: [String: Set<Int>] = [:]
        for record in records { wanted[record.file, default: []].insert(Int(record.line)) }
        var lines: [String: [Int: [UInt8]]] = [:]
        for (file, numbers) in wanted {
            guard var reader = try? LineReader(path: directory + "/" + file) else { continue }
            defer { reader.close() }
            let last = numbers.max() ?? 0
            while let next = try? reader.next(), next.number <= last {
                if numbers.contains(next.number) { lines[file, default: [:]][next.number] = next.bytes }
            }
        }
        return lines
    }
}
