/// The kinds of record and the body keys each carries besides the envelope (DESIGN.md "Records").
/// `verify` refuses a record with a missing or an unknown key for its type, so a new type or key is
/// added here first.
public enum RecordType: String, Sendable, CaseIterable {
    /// One full audit: `"audit"` holds the `isotrace audit --format json` document.
    case audit
    /// A writer found a partial last line (a crash mid-append), moved it to `partial_file` in the
    /// records directory and continued the chain.
    case recovery

    public var bodyKeys: [String] {
        switch self {
        case .audit: return ["audit"]
        case .recovery: return ["partial_bytes", "partial_file"]
        }
    }
}
