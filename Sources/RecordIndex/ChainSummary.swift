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
