import Foundation

/// Any JSON value (a finding's evidence), kept as it was recorded and written back with
/// sorted keys so that equal evidence compares equal.
public enum EvidenceValue: Codable, Equatable, Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([EvidenceValue])
    case object([String: EvidenceValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([EvidenceValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: EvidenceValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension EvidenceValue {
    /// Parses JSON text (as the index stores evidence); nil when it is not JSON.
    static func parse(_ text: String) -> EvidenceValue? {
        try? JSONDecoder().decode(EvidenceValue.self, from: Data(text.utf8))
    }
}
