import Records

/// Gathers what `query --panda-id N --format html` shows: the verified answer (`VerifiedQuery`:
/// facts from the signed lines, every cited record checked, the whole chain checked, the index
/// compared with the lines) with each cited record's key_id, node and the owner it states. The
/// report only draws the result.
public enum IncidentEvidenceCollector {
    public static func collect(pandaID: String, verified: VerifiedAnswer, directory: String) -> IncidentEvidence {
        IncidentEvidence(
            pandaID: pandaID, answer: QueryAnswer(verified, directory: directory), proofs: verified.proofs,
            owners: verified.owners[pandaID] ?? [], nodes: verified.nodes, chain: verified.chain, index: verified.index,
            recordDirectory: directory, publicKeyPath: verified.publicKeyPath, publicKeyID: verified.publicKeyID)
    }

    /// The evidence without verification (`--no-verify`): the index's answer, nothing checked.
    public static func collect(pandaID: String, unverified result: QueryResult, directory: String, publicKeyPath: String) -> IncidentEvidence {
        let proofs = result.records.map {
            RecordProof(record: $0, keyID: nil, signature: .notChecked(reason: "--no-verify"), citation: .notChecked(reason: "--no-verify"))
        }
        return IncidentEvidence(
            pandaID: pandaID, answer: QueryAnswer(unverified: result, directory: directory), proofs: proofs, owners: [],
            nodes: [], chain: nil, index: nil, recordDirectory: directory, publicKeyPath: publicKeyPath, publicKeyID: nil)
    }
}
