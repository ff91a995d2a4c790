
/// The outcome of one check of a cited record.
public enum ProofCheck: Sendable, Equatable {
    case verified
    case failed(reason: String)
    case notChecked(reason: String)
}

/// One record an incident report cites, and what was checked about it: that its segment line is
/// the one the index hashed, and that its Ed25519 signature holds under the node's public key.
public struct RecordProof: Sendable, Equatable {
    public var record: CitedRecord
    /// The record's `key_id` as written in it.
    public var keyID: String?
    public var signature: ProofCheck
    /// The line still hashes to the indexed SHA-256.
    public var citation: ProofCheck

    public init(record: CitedRecord, keyID: String?, signature: ProofCheck, citation: ProofCheck) {
        self.record = record
        self.keyID = keyID
        self.signature = signature
        self.citation = citation
    }

    public var isVerified: Bool { signature == .verified && citation == .verified }
}
