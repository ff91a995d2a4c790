import Records

/// Gathers what `query --panda-id N --format html` shows as proof (`CitedRecordVerifier`): each
/// cited record's line read from its segment, checked against the index's hash and its
/// signature, its key_id, node and the owner it states; and the whole chain checked as
/// `isotrace verify` does. The report only draws the result.
public enum IncidentEvidenceCollector {
    public static func collect(pandaID: String, result: QueryResult, reader: IndexReader, directory: String) -> IncidentEvidence {
        let verifier = CitedRecordVerifier(directory: directory)
        var proofs: [RecordProof] = []
        var owners: [RecordedOwner] = []
        var nodes: [RecordNode] = []
        for check in verifier.check(result.records, reader: reader) {
            let facts = check.line.flatMap { RecordLineFacts.parse($0, pandaID: pandaID, seq: check.record.seq) }
            if let facts {
                owners += facts.owners
                if let node = facts.node, !nodes.contains(node) { nodes.append(node) }
            }
            proofs.append(RecordProof(record: check.record, keyID: facts?.keyID, signature: check.signature, citation: check.citation))
        }
        return IncidentEvidence(pandaID: pandaID, result: result, proofs: proofs, owners: RecordLineFacts.merge(owners),
                                nodes: nodes, chain: verifier.chain(), recordDirectory: directory,
                                publicKeyPath: verifier.publicKeyPath, publicKeyID: verifier.publicKey?.keyID)
    }
}
