import RecordIndex

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

/// `isotrace verify` over the whole chain, summarised for the report: a cited record can be
/// authentic while records around it were removed; the chain says whether they were.
public struct ChainSummary: Sendable, Equatable {
    public var records: Int
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    /// Each problem as `file:line: seq N: reason`.
    public var problems: [String]

    public init(records: Int, firstSeq: Int64?, lastSeq: Int64?, problems: [String]) {
        self.records = records
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.problems = problems
    }
}

/// A job owner as a record states it, with the records that say so.
public struct RecordedOwner: Sendable, Equatable {
    public var dn: String
    public var source: String
    public var payloadWritable: Bool
    public var seqs: [Int64]

    public init(dn: String, source: String, payloadWritable: Bool, seqs: [Int64]) {
        self.dn = dn
        self.source = source
        self.payloadWritable = payloadWritable
        self.seqs = seqs
    }
}

/// The node a record was written on (its `node` object).
public struct RecordedNodeFacts: Sendable, Equatable, Hashable {
    public var hostname: String?
    public var bootID: String?
    public var machineID: String?

    public init(hostname: String?, bootID: String?, machineID: String?) {
        self.hostname = hostname
        self.bootID = bootID
        self.machineID = machineID
    }
}
