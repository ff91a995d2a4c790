import Foundation

/// The one decoder of record lines (one segment line, without its newline): the envelope every
/// record has (`DecodedRecord`) with the body a reader wants from it, or a body of any shape.
/// Nothing is verified here (that is `ChainVerifier`'s job); a line that is not a record says why.
public enum RecordLine {
    /// The record on `line`: the envelope, its type one of `RecordType`, and `Body`.
    public static func decode<Body: Decodable>(_ line: some Collection<UInt8>, body: Body.Type) throws(RecordLineError) -> DecodedRecord<Body> {
        try decode(line, as: DecodedRecord<Body>.self)
    }

    /// `line` decoded as `T` without the envelope's demands, for readers that take what a line
    /// has (an incident report's owner and node facts).
    public static func decode<T: Decodable>(_ line: some Collection<UInt8>, as type: T.Type) throws(RecordLineError) -> T {
        try described { try JSONDecoder().decode(T.self, from: Data(line)) }
    }

    /// What `decode` returns, its errors said as `RecordLineError`s.
    private static func described<T>(_ decode: () throws -> T) throws(RecordLineError) -> T {
        do {
            return try decode()
        } catch let error as RecordLineError {
            throw error
        } catch let error as DecodingError {
            throw .notARecord(RecordLineError.describe(error))
        } catch {
            throw .notARecord("not a record")
        }
    }
}

/// The envelope of a record line and the `Body` its reader decodes from the same object.
/// `time` stays the text the record holds; readers parse it as they need.
public struct DecodedRecord<Body: Decodable>: Decodable {
    public var version: Int?
    public var type: RecordType
    public var seq: Int64
    public var time: String
    public var node: RecordNode?
    public var keyID: String?
    public var body: Body

    enum CodingKeys: String, CodingKey {
        case version = "v", type, seq, time, node, keyID = "key_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(Int.self, forKey: .version)
        let typeName = try container.decode(String.self, forKey: .type)
        seq = try container.decode(Int64.self, forKey: .seq)
        guard let type = RecordType(rawValue: typeName) else { throw RecordLineError.unknownType(typeName, seq: seq) }
        self.type = type
        time = try container.decode(String.self, forKey: .time)
        node = try container.decodeIfPresent(RecordNode.self, forKey: .node)
        keyID = try container.decodeIfPresent(String.self, forKey: .keyID)
        body = try Body(from: decoder)
    }
}

extension RecordLine {
    /// The record a writer signed (`Record.unsigned`), decoded as its line would be: the same
    /// values and the same errors, from the values instead of their JSON (`JSONValueDecoder`).
    public static func decode<Body: Decodable>(_ value: JSONValue, body: Body.Type) throws(RecordLineError) -> DecodedRecord<Body> {
        try described { try JSONValueDecoder().decode(DecodedRecord<Body>.self, from: value) }
    }
}

/// Why a line is not a record a reader can take: not JSON, a field missing or of the wrong type,
/// or a type this isotrace does not know (never skipped in silence: a newer writer, or tampering).
/// Readers add the file and line.
public enum RecordLineError: Error, Equatable, Sendable, CustomStringConvertible {
    case notARecord(String)
    case unknownType(String, seq: Int64)

    public var description: String {
        switch self {
        case .notARecord(let reason): return reason
        case .unknownType(let name, let seq):
            // The name is the line's (hostile) text: written as a JSON string, control bytes escaped.
            let quoted = (try? CanonicalJSON.string(.string(String(name.prefix(80))))) ?? "?"
            return "seq \(seq): unknown record type \(quoted)"
        }
    }

    /// "not valid JSON", or which field of the record is missing or of the wrong type.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            (context.codingPath + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "not valid JSON"
        case .dataCorrupted(let context):
            return "not a record: \(path(context)) is invalid"
        case .keyNotFound(let key, let context):
            return "not a record: no \(path(context, key))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "not a record: \(path(context)) has the wrong type"
        @unknown default:
            return "not a record"
        }
    }
}
