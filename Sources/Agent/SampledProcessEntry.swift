import Records

/// One sampled process as an entry of a `process` record's `processes`: its PROCESS as canonical
/// bytes, and what that PROCESS states, typed, for the index (`RecordBody.processFacts`).
public struct SampledProcessEntry: Sendable {
    /// PROCESS (its key is not used: the record holds the entries in an array).
    public let process: CanonicalMember
    public let facts: ProcessFacts
}
