/// One line of `/proc/<pid>/uid_map` or `gid_map` (user_namespaces(7)): ids `inside` ..<
/// `inside + count` in the process's user namespace are `outside` ..< in the reader's.
public struct IDMapEntry: Sendable, Equatable, Codable {
    public var inside: UInt32
    public var outside: UInt32
    public var count: UInt32

    /// In sorted order: `SnapshotJSONWriter` writes them in this order (`SnapshotKey`).
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case count, inside, outside
    }

    public init(inside: UInt32, outside: UInt32, count: UInt32) {
        self.inside = inside
        self.outside = outside
        self.count = count
    }

    /// Parses a whole map file; `file` names it in errors (`uid_map` or `gid_map`).
    public static func parseMap(_ bytes: Bytes, file: String) throws(ParseError) -> [IDMapEntry] {
        var entries: [IDMapEntry] = []
        for (offset, line) in ByteScan.lines(bytes).enumerated() {
            let fields = ByteScan.fields(line)
            guard fields.count == 3,
                  let inside = ByteScan.unsigned(fields[0]).flatMap(UInt32.init(exactly:)),
                  let outside = ByteScan.unsigned(fields[1]).flatMap(UInt32.init(exactly:)),
                  let count = ByteScan.unsigned(fields[2]).flatMap(UInt32.init(exactly:))
            else { throw ParseError(file: file, line: offset + 1, reason: "expected 'inside outside count', found \(ByteScan.preview(line))") }
            entries.append(IDMapEntry(inside: inside, outside: outside, count: count))
        }
        return entries
    }
}
