import Base
import Foundation
import Records

/// How far `ship` got, in DIR/sink.cursor: the end of the last segment line it consumed (segment,
/// byte offset, line number, and that line's length and SHA-256, so that a cursor that no longer
/// matches the segment is noticed), and the last record the database acknowledged (key_id, seq),
/// so that a database restored from an older backup is noticed and sent the rest again.
/// The cursor only saves work: sending again is harmless (ON CONFLICT DO NOTHING).
struct ShipCursor: Codable, Equatable {
    var version = 1
    /// The database it refers to (`HOST:PORT/DB`).
    var sink: String
    var segment: String
    /// Byte offset just after the consumed line's newline.
    var offset: Int64
    var line: Int64
    var lineLength: Int64
    var lineSHA256: String
    var keyID: String?
    var seq: Int64?

    enum CodingKeys: String, CodingKey {
        case version = "v", sink, segment, offset, line, lineLength = "line_length", lineSHA256 = "line_sha256"
        case keyID = "key_id", seq
    }

    static func path(outputDirectory: String) -> String { outputDirectory + "/sink.cursor" }

    static func load(outputDirectory: String) -> ShipCursor? {
        guard let bytes = try? Syscalls.readRange(path(outputDirectory: outputDirectory), from: 0, followingLinks: false) else { return nil }
        return try? JSONDecoder().decode(ShipCursor.self, from: Data(bytes))
    }

    func save(outputDirectory: String) throws(SinkError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw .local("cannot encode the ship cursor: \(error)") }
        try LocalFile.replaceDurably(Self.path(outputDirectory: outputDirectory), with: Array(data) + [0x0A], directory: outputDirectory)
    }

    /// Whether the line before `offset` in the segment is still the one consumed.
    func matches(recordsPath: String) throws(SinkError) -> Bool {
        guard offset >= lineLength + 1 else { return false }
        let path = recordsPath + "/" + segment
        let line: LineReader.Line?
        do {
            var reader = try LineReader(path: path, offset: offset - lineLength - 1)
            defer { reader.close() }
            line = try reader.next()
        } catch where error.errno == .noSuchFileOrDirectory {
            return false
        } catch {
            throw LocalFile.sinkError(error)
        }
        guard let line, line.terminated, line.bytes.count == lineLength else { return false }
        return Record.hash(ofLine: line.bytes) == lineSHA256
    }
}
