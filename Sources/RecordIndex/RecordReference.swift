/// Where a fact comes from: the record's seq and its line in a segment.
public struct RecordReference: Encodable, Hashable, Sendable, Comparable {
    public var seq: Int64
    public var file: String
    public var line: Int64

    public static func < (lhs: RecordReference, rhs: RecordReference) -> Bool { lhs.seq < rhs.seq }
}

/// A cited record in full: its type, time and the SHA-256 of its line as indexed.
public struct CitedRecord: Encodable, Equatable, Sendable {
    public var seq: Int64
    public var file: String
    public var line: Int64
    public var type: String
    public var time: String
    public var sha256: String
}
