/// One line of `/proc/<pid>/mountinfo` (proc(5)):
/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
public struct MountEntry: Sendable, Equatable, Codable {
    public var mountID: Int
    public var parentID: Int
    /// `major:minor` of the device.
    public var device: String
    /// The directory of the filesystem that forms the root of this mount.
    public var root: String
    /// Where it is mounted, relative to the process's root; octal escapes (`\040`) decoded.
    public var mountPoint: String
    public var options: [String]
    /// Propagation fields such as `shared:1`, `master:2`.
    public var optionalFields: [String]
    public var fsType: String
    public var source: String
    /// Per-superblock options, e.g. proc's `hidepid=invisible` or `hidepid=2`.
    public var superOptions: [String]

    /// In sorted order: `SnapshotJSONWriter` writes them in this order (`SnapshotKey`).
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case device, fsType = "fs_type", mountID = "mount_id", mountPoint = "mount_point"
        case optionalFields = "optional_fields", options, parentID = "parent_id", root, source
        case superOptions = "super_options"
    }

    public init(mountID: Int, parentID: Int, device: String, root: String, mountPoint: String, options: [String],
                optionalFields: [String], fsType: String, source: String, superOptions: [String]) {
        self.mountID = mountID
        self.parentID = parentID
        self.device = device
        self.root = root
        self.mountPoint = mountPoint
        self.options = options
        self.optionalFields = optionalFields
        self.fsType = fsType
        self.source = source
        self.superOptions = superOptions
    }

    /// The value of a super option such as `hidepid`, or nil when absent.
    public func superOption(_ name: String) -> String? {
        for option in superOptions {
            if option == name { return "" }
            if option.hasPrefix(name + "=") { return String(option.dropFirst(name.count + 1)) }
        }
        return nil
    }

    public static func parseFile(_ bytes: Bytes) throws(ParseError) -> [MountEntry] {
        var entries: [MountEntry] = []
        for (offset, line) in ByteScan.lines(bytes).enumerated() {
            entries.append(try parseLine(line, number: offset + 1))
        }
        return entries
    }

    /// `parseFile`, with the lines of a sample's earlier tables: the mount tables of a node's
    /// containers are the same lines but for their mount IDs (a job's container namespaces are
    /// made alike), so a line whose text after its two IDs was parsed before is not parsed again:
    /// its entry is shared, with this line's IDs.
    static func parseFile(_ bytes: Bytes, sharing lines: inout ContentCache<MountEntry>) throws(ParseError) -> [MountEntry] {
        var entries: [MountEntry] = []
        for (offset, line) in ByteScan.lines(bytes).enumerated() {
            entries.append(try parseLine(line, number: offset + 1, sharing: &lines))
        }
        return entries
    }

    /// `parseLine` through `lines`: the same entry, or the same error.
    static func parseLine(_ line: Bytes, number: Int, sharing lines: inout ContentCache<MountEntry>) throws(ParseError) -> MountEntry {
        // The first two fields as `split` finds them (runs of non-spaces); the rest decides all
        // but the IDs. A "-" among the first two would be the separator: the long way says why.
        var index = line.startIndex
        func field() -> Bytes? {
            while index < line.endIndex && line[index] == ByteScan.space { index += 1 }
            let start = index
            while index < line.endIndex && line[index] != ByteScan.space { index += 1 }
            let field = line[start..<index]
            return field.isEmpty || (field.count == 1 && field.first == UInt8(ascii: "-")) ? nil : field
        }
        guard let first = field(), let second = field() else { return try parseLine(line, number: number) }
        let rest = line[index...]
        let shared = rest.withUnsafeBytes { raw in
            Result { () throws(ParseError) in try lines.value(for: raw) { () throws(ParseError) in try parseLine(line, number: number) } }
        }
        var entry = try shared.get()
        guard let mountID = ByteScan.unsigned(first).flatMap(Int.init(exactly:)),
              let parentID = ByteScan.unsigned(second).flatMap(Int.init(exactly:))
        else { throw ParseError(file: "mountinfo", line: number, reason: "mount ID or parent ID is not a number: \(ByteScan.preview(line))") }
        entry.mountID = mountID
        entry.parentID = parentID
        return entry
    }

    static func parseLine(_ line: Bytes, number: Int) throws(ParseError) -> MountEntry {
        func fail(_ reason: String) -> ParseError { ParseError(file: "mountinfo", line: number, reason: reason) }
        let fields = line.split(separator: ByteScan.space)
        guard let separator = fields.firstIndex(where: { $0.count == 1 && $0.first == UInt8(ascii: "-") }),
              separator >= 6, fields.count >= separator + 3
        else { throw fail("expected '... - fstype source options', found \(ByteScan.preview(line))") }
        guard let mountID = ByteScan.unsigned(fields[0]).flatMap(Int.init(exactly:)),
              let parentID = ByteScan.unsigned(fields[1]).flatMap(Int.init(exactly:))
        else { throw fail("mount ID or parent ID is not a number: \(ByteScan.preview(line))") }
        func list(_ bytes: Bytes) -> [String] {
            bytes.split(separator: UInt8(ascii: ",")).map { decodeOctal($0) }
        }
        return MountEntry(
            mountID: mountID, parentID: parentID,
            device: String(decoding: fields[2], as: UTF8.self),
            root: decodeOctal(fields[3]), mountPoint: decodeOctal(fields[4]),
            options: list(fields[5]),
            optionalFields: fields[6..<separator].map { String(decoding: $0, as: UTF8.self) },
            fsType: decodeOctal(fields[separator + 1]),
            source: decodeOctal(fields[separator + 2]),
            superOptions: fields.count > separator + 3 ? list(fields[separator + 3]) : [])
    }

    /// The kernel escapes space, tab, newline and backslash in paths as `\ooo` (seq_file's mangle).
    static func decodeOctal(_ bytes: Bytes) -> String {
        guard bytes.contains(UInt8(ascii: "\\")) else { return EscapedText.decode(bytes) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "\\"), index + 4 <= bytes.endIndex,
               let value = octal(bytes[(index + 1)..<(index + 4)]) {
                output.append(value)
                index += 4
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return EscapedText.decode(output[...])
    }

    private static func octal(_ digits: Bytes) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value: UInt16 = 0
        for digit in digits {
            guard digit >= 48 && digit <= 55 else { return nil }
            value = value * 8 + UInt16(digit - 48)
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
