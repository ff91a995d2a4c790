/// One member of a record body held as the RFC 8785 canonical bytes of its value: what the chain
/// writer puts in the record's line as it is, without a `JSONValue` tree to build, sort and write.
/// The daemon's `process` and `audit` bodies are made this way from their writers' JSON.
public struct CanonicalMember: Sendable {
    public let key: String
    /// The value's canonical JSON bytes.
    public let value: [UInt8]

    /// The member whose value is the JSON document `json` (a writer's bytes, in JSONEncoder's
    /// form): kept as it is when it is already canonical (`CanonicalJSON.isCanonical`, one
    /// pass), else read by the strict parser and written canonically, which is what
    /// `JSONValue(json:of:)` and `CanonicalJSON` make of it either way. Throws as that init does.
    public init(_ key: String, json: [UInt8], of typeName: String) throws(JSONValue.EncodingError) {
        self.key = key
        if CanonicalJSON.isCanonical(json) {
            value = json
            return
        }
        let parsed = try JSONValue(json: json, of: typeName)
        do {
            value = try CanonicalJSON.bytes(parsed)
        } catch {
            // The parser gives finite numbers only.
            preconditionFailure("a parsed JSON value is canonicalizable: \(error)")
        }
    }

    /// The member whose value is `bytes` as they are, not checked: for a writer whose output is
    /// canonical JSON by construction, with a test that holds it to that (the event source's
    /// `processes` and `shared`, `EventEntryBytesTests`), so that thousands of entries a cycle are
    /// not read a second time to be checked. Bytes that are not canonical would be signed as they
    /// are and fail verification: use `init(_:json:of:)` for anything else.
    public init(_ key: String, canonical bytes: [UInt8]) {
        self.key = key
        value = bytes
    }

    /// The member `key: value`, written canonically.
    public init(_ key: String, _ value: JSONValue) throws(ECMAScriptNumber.NonFiniteError) {
        self.key = key
        self.value = try CanonicalJSON.bytes(value)
    }

    /// The member `key: [e1, e2, ...]` whose elements are the values of `elements` (their keys
    /// are not used): an array of canonical values joined by commas is canonical as it stands,
    /// so the daemon's `processes` arrays are put together without another pass.
    public init<Elements: Collection>(_ key: String, arrayOf elements: Elements) where Elements.Element == CanonicalMember {
        self.key = key
        var bytes: [UInt8] = []
        bytes.reserveCapacity(elements.reduce(2) { $0 + $1.value.count + 1 })
        bytes.append(UInt8(ascii: "["))
        for (position, element) in elements.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: element.value)
        }
        bytes.append(UInt8(ascii: "]"))
        value = bytes
    }

    /// The value, read back from its bytes (what a reader of the line would get).
    public var jsonValue: JSONValue {
        do {
            return try JSONParser().parse(value)
        } catch {
            preconditionFailure("canonical bytes parse: \(error)")
        }
    }
}
