import Base
import Records

/// What an incident report is made of: the index's answer for one PanDA job and what was read
/// and checked in the records it cites. `IncidentEvidenceCollector` gathers it (the I/O, here);
/// `IncidentReport` (Reports) only draws it.
public struct IncidentEvidence: Sendable {
    public var pandaID: String
    public var result: QueryResult
    public var proofs: [RecordProof]
    public var owners: [RecordedOwner]
    public var nodes: [RecordNode]
    /// nil when the chain could not be checked (no public key).
    public var chain: ChainSummary?
    /// The `--out` directory, as the user gave it (used in the re-verify commands).
    public var recordDirectory: String
    public var publicKeyPath: String
    /// The key_id of the public key used, nil when it could not be loaded.
    public var publicKeyID: String?

    public init(pandaID: String, result: QueryResult, proofs: [RecordProof], owners: [RecordedOwner], nodes: [RecordNode],
                chain: ChainSummary?, recordDirectory: String, publicKeyPath: String, publicKeyID: String?) {
        self.pandaID = pandaID
        self.result = result
        self.proofs = proofs
        self.owners = owners
        self.nodes = nodes
        self.chain = chain
        self.recordDirectory = recordDirectory
        self.publicKeyPath = publicKeyPath
        self.publicKeyID = publicKeyID
    }

    public var job: JobReport? { result.jobs.first { $0.pandaID == pandaID } }
    public var allVerified: Bool { !proofs.isEmpty && proofs.allSatisfy(\.isVerified) && chain?.problems.isEmpty == true }
}
