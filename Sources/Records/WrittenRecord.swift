/// A record the writer appended, with where its line is and the SHA-256 of the line: what a
/// reader of the chain (the index) takes from the writer instead of reading and parsing the line
/// it has just written. `record` is what was signed (`record.unsigned`), so its facts are those
/// of the line.
public struct WrittenRecord: Sendable {
    public var record: Record
    /// The segment's name (`2026-11-26.jsonl`).
    public var segment: String
    /// Where the line starts in the segment, and its length without the newline.
    public var offset: Int64
    public var length: Int64
    /// Hex SHA-256 of the line (the next record's `prev`).
    public var lineHash: String

    public init(record: Record, segment: String, offset: Int64, length: Int64, lineHash: String) {
        self.record = record
        self.segment = segment
        self.offset = offset
        self.length = length
        self.lineHash = lineHash
    }
}
