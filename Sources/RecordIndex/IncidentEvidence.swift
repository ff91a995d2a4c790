import Base
import Records

/// What an incident report is made of: the answer for one PanDA job (facts from the signed
/// lines, failed records marked) and what was read and checked in the records it cites.
/// `IncidentEvidenceCollector` gathers it (the I/O, here); `IncidentReport` (Reports) only draws it.
public struct IncidentEvidence: Sendable {
    public var pandaID: String
    public var answer: QueryAnswer
    public var proofs: [RecordProof]
    /// Owner DNs the verified records state.
    public var owners: [RecordedOwner]
    public var nodes: [RecordNode]
    /// nil when the chain was not checked (no public key, or --no-verify).
    public var chain: ChainSummary?
    /// nil when the index was not compared with the signed lines.
    public var index: IndexConsistency?
    /// The state directory, as the user gave it (used in the re-verify commands).
    public var recordDirectory: String
    public var publicKeyPath: String
    /// The key_id of the public key used, nil when none was loaded.
    public var publicKeyID: String?

    public init(pandaID: String, answer: QueryAnswer, proofs: [RecordProof], owners: [RecordedOwner], nodes: [RecordNode],
                chain: ChainSummary?, index: IndexConsistency?, recordDirectory: String, publicKeyPath: String, publicKeyID: String?) {
        self.pandaID = pandaID
        self.answer = answer
        self.proofs = proofs
        self.owners = owners
        self.nodes = nodes
        self.chain = chain
        self.index = index
        self.recordDirectory = recordDirectory
        self.publicKeyPath = publicKeyPath
        self.publicKeyID = publicKeyID
    }

    public var job: JobAnswer? { answer.jobs.first { $0.pandaID == pandaID } }
    public var allVerified: Bool { answer.verification.status == .verified && !proofs.isEmpty }
}
