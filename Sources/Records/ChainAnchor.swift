/// A chain head kept off the node (an anchor), as read from one line of an anchors file: the head
/// and, when the line says so, whose chain it is (the key that signed the head's record, the host
/// and its machine id).
/// `verify --anchors FILE` fails when the local chain no longer holds a line of that seq hashing
/// to that value: the chain was cut back or rewritten after the head left the node.
public struct ChainAnchor: Sendable, Equatable {
    public var head: ChainHead
    public var keyID: String?
    public var hostname: String?
    public var machineID: String?
    /// Where it was read: the anchors file and the 1-based line.
    public var file: String
    public var line: Int

    public init(head: ChainHead, keyID: String? = nil, hostname: String? = nil, machineID: String? = nil, file: String, line: Int) {
        self.head = head
        self.keyID = keyID
        self.hostname = hostname
        self.machineID = machineID
        self.file = file
        self.line = line
    }

    /// `FILE:LINE`.
    public var place: String { "\(file):\(line)" }
}

/// Why a line of an anchors file is not an anchor: file, line and reason (exit 2).
public struct AnchorLineError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var reason: String

    public var description: String { "\(file):\(line): \(reason)" }
}

/// Reads the lines of an anchors file (pure: bytes in, anchors out). Each non-blank line is one
/// head in one of two forms:
/// - a JSON object: the body of the daemon's syslog `chain_head` message
///   (`{"event":"chain_head","seq":N,"sha256":"...","key_id":"...","hostname":"...",...}`), or just
///   `{"seq":N,"sha256":"..."}`;
/// - a syslog line whose message is that object: a header ending in a space, then the object up
///   to the end of the line, as rsyslog writes it to a file (RFC 5424
///   `<PRI>1 TIME HOST isotrace PID chain_head - {...}`, or the traditional
///   `Dec  5 04:10:00 HOST isotrace[PID]: {...}`) and a SIEM exports it.
/// Anything else, a message of another event (`job_start`, ...) included, is an error naming the
/// line: an anchors file that cannot be read in full must not pass for one that was checked.
public enum AnchorFile {
    public static func parse(_ bytes: [UInt8], file: String) throws(AnchorLineError) -> [ChainAnchor] {
        var anchors: [ChainAnchor] = []
        var number = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if let anchor = try parse(line: Array(line), file: file, number: number) { anchors.append(anchor) }
        }
        return anchors
    }

    /// One line (without its newline); nil when it is blank.
    public static func parse(line raw: [UInt8], file: String, number: Int) throws(AnchorLineError) -> ChainAnchor? {
        func fail(_ reason: String) -> AnchorLineError { AnchorLineError(file: file, line: number, reason: reason) }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let first = raw.firstIndex(where: { !isSpace($0) }) else { return nil }
        let last = raw.lastIndex(where: { !isSpace($0) })!
        let text = Array(raw[first...last])
        let objectStart: Int
        if text[0] == UInt8(ascii: "{") {
            objectStart = 0
        } else {
            guard let brace = text.firstIndex(of: UInt8(ascii: "{")), brace > 0, text[brace - 1] == 0x20 else {
                throw fail("not a chain head: neither a JSON object nor a syslog line whose message is one")
            }
            objectStart = brace
        }
        let value: JSONValue
        do {
            value = try JSONParser().parse(Array(text[objectStart...]))
        } catch {
            throw fail("not a chain head: \(objectStart == 0 ? "the line" : "the syslog message") is not valid JSON (\(error))")
        }
        guard value.objectMembers != nil else { throw fail("not a chain head: not a JSON object") }
        if let event = value["event"], event != .string("chain_head") {
            throw fail("not a chain head: a message of event \(describe(event)) (keep only msgid chain_head)")
        }
        guard let head = ChainHead(json: value) else { throw fail("not a chain head: needs \(ChainHead.shape)") }
        var names: [String: String] = [:]
        for key in ["key_id", "hostname", "machine_id"] {
            guard let value = value[key], value != .null else { continue }
            guard let text = value.stringValue else { throw fail("\(key) \(describe(value)) is not a string") }
            names[key] = text
        }
        return ChainAnchor(head: head, keyID: names["key_id"], hostname: names["hostname"], machineID: names["machine_id"], file: file, line: number)
    }

    /// A value from the file, as escaped JSON, short.
    static func describe(_ value: JSONValue) -> String {
        (try? CanonicalJSON.string(value)).map { String($0.prefix(80)) } ?? "?"
    }
}
