/// A JSON value as RFC 8785 sees it: what gets canonicalized, hashed and signed.
///
/// Objects keep their members as an ordered list, not a dictionary: Swift's `String ==` compares
/// by canonical equivalence, so "é" and "e\u{301}" would collide as dictionary keys, while JSON
/// (and RFC 8785's ordering by UTF-16 code units) treats them as different keys. Numbers are
/// IEEE-754 doubles, as in RFC 8785 (I-JSON); integers are exact up to 2^53.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The largest integer every JSON implementation (and RFC 8785) represents exactly: 2^53 - 1.
    public static let maxExactInteger: Int64 = (1 << 53) - 1

    /// An integer as a JSON number; nil when it is outside ±(2^53 - 1), where it would be rounded.
    public init?(exactly integer: Int64) {
        guard abs(integer) <= JSONValue.maxExactInteger else { return nil }
        self = .number(Double(integer))
    }

    /// The member named `key` of an object (compared by Unicode scalars, not canonical equivalence).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key.unicodeScalars.elementsEqual(key.unicodeScalars) }?.value
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value as an integer, when it is a number without a fractional part in the exact range.
    public var integerValue: Int64? {
        guard case .number(let number) = self, number.rounded(.towardZero) == number,
              abs(number) <= Double(JSONValue.maxExactInteger) else { return nil }
        return Int64(number)
    }

    public var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }
}

/// One `"key": value` pair of a JSON object.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }

    public static func == (lhs: JSONMember, rhs: JSONMember) -> Bool {
        lhs.key.unicodeScalars.elementsEqual(rhs.key.unicodeScalars) && lhs.value == rhs.value
    }
}

extension JSONValue: Equatable {
    /// Structural equality; strings compare by Unicode scalars (what canonical JSON would write).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}
