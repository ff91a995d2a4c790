import GRDB

/// One segment line as indexed: where it is (file relative to the record directory, 1-based line
/// number, byte offset and length without the newline) and the SHA-256 of its bytes, so that a
/// stale or edited index is noticed against the segments, and every fact can cite its line.
public struct IndexedRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "record"

    public var seq: Int64
    public var file: String
    public var line: Int64
    public var offset: Int64
    public var length: Int64
    public var type: String
    /// Milliseconds since the epoch (the record's `time`).
    public var time: Int64
    public var sha256: String
    public var hostname: String?
    public var bootID: String?

    enum CodingKeys: String, CodingKey {
        case seq, file, line, offset = "byte_offset", length = "byte_length", type, time, sha256, hostname
        case bootID = "boot_id"
    }

    public enum Columns {
        public static let seq = Column(CodingKeys.seq)
    }
}
