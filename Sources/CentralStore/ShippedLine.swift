import RecordIndex

/// One record line on its way to the central database: the verbatim signed line, where it is on
/// its node (segment and line number), and the facts extracted to find it.
public struct ShippedLine: Sendable {
    public var keyID: String
    public var node: String
    public var segment: String
    public var lineNumber: Int64
    public var text: String
    public var facts: RecordFacts

    public init(keyID: String, node: String, segment: String, lineNumber: Int64, text: String, facts: RecordFacts) {
        self.keyID = keyID
        self.node = node
        self.segment = segment
        self.lineNumber = lineNumber
        self.text = text
        self.facts = facts
    }
}
