import Policy

/// A finding's evidence as lines of `key: value`, keys sorted, for the rule tables.
enum EvidenceText {
    static func lines(_ evidence: [String: EvidenceValue]) -> [String] {
        evidence.keys.sorted().map { "\($0): \(describe(evidence[$0]!))" }
    }

    static func describe(_ value: EvidenceValue) -> String {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .list(let values): return "[" + values.map(describe).joined(separator: ", ") + "]"
        case .null: return "null"
        }
    }
}
