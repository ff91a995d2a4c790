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
