import Base

/// The verdict of one rule for one job (or for the node).
public struct Finding: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pass, fail, warn, skip
    }

    public var rule: String
    /// The rule's family (`RuleFamily`): an isolation finding that fails makes its job not isolated.
    public var family: RuleFamily { RuleFamily(ruleID: rule) }
    public var status: Status
    public var severity: Severity
    /// The process the verdict is about (the first offending one on failure), when there is one.
    public var pid: Int32?
    /// One line a security officer can act on.
    public var message: String
    /// The values compared, so the verdict can be checked by hand.
    public var evidence: [String: EvidenceValue]

    public init(rule: String, status: Status, severity: Severity, pid: Int32?, message: String,
                evidence: [String: EvidenceValue] = [:]) {
        self.rule = rule
        self.status = status
        self.severity = severity
        self.pid = pid
        self.message = message
        self.evidence = evidence
    }
}

/// A value in a finding's evidence.
public enum EvidenceValue: Sendable, Equatable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral
{
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case list([EvidenceValue])
    case null

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }

    public static func int<T: BinaryInteger>(_ value: T?) -> EvidenceValue {
        guard let value else { return .null }
        return .integer(Int64(clamping: value))
    }

    public static func text(_ value: String?) -> EvidenceValue { value.map(EvidenceValue.string) ?? .null }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .boolean(let value): try container.encode(value)
        case .list(let values): try container.encode(values)
        case .null: try container.encodeNil()
        }
    }
}
