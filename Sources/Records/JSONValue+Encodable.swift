import Foundation

extension JSONValue {
    /// Why an `Encodable` could not become a record body.
    public struct EncodingError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Any `Encodable` (an `AuditResult`, a finding) as a JSON value: encoded by Foundation's
    /// JSONEncoder, then read back by the strict parser, so the record holds exactly the document
    /// `--format json` prints. Integers beyond 2^53 are refused rather than rounded, and so are
    /// NaN and infinities (JSONEncoder throws), because other verifiers could not reproduce them.
    public init<T: Encodable>(encoding value: T) throws(EncodingError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            throw EncodingError(description: "cannot encode \(T.self) as JSON: \(error)")
        }
        try self.init(json: [UInt8](data), of: "\(T.self)")
    }

    /// A JSON document written by other means (`AuditJSONWriter`'s bytes, the same document
    /// JSONEncoder makes), read by the strict parser as `init(encoding:)` reads JSONEncoder's.
    public init(json bytes: [UInt8], of typeName: String) throws(EncodingError) {
        do {
            self = try JSONParser(exactIntegers: true).parse(bytes)
        } catch {
            throw EncodingError(description: "\(typeName) is not canonicalizable JSON: \(error)")
        }
    }
}
