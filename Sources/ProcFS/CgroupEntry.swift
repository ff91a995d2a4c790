/// One line of `/proc/<pid>/cgroup` (cgroups(7)): `hierarchy-ID:controller-list:path`.
/// On cgroup v2 there is one line `0::/path`; v1 has one line per hierarchy; hybrid has both.
public struct CgroupEntry: Sendable, Equatable, Codable {
    public var hierarchy: Int { didSet { line = Self.line(hierarchy, controllers, path) } }
    /// Controllers bound to the hierarchy (`cpu,cpuacct`, `name=systemd`); empty for v2.
    public var controllers: [String] { didSet { line = Self.line(hierarchy, controllers, path) } }
    public var path: String { didSet { line = Self.line(hierarchy, controllers, path) } }
    /// The line as the kernel printed it (made once: every snapshot, audit and record prints it).
    public private(set) var line: String

    public init(hierarchy: Int, controllers: [String], path: String) {
        self.hierarchy = hierarchy
        self.controllers = controllers
        self.path = path
        line = Self.line(hierarchy, controllers, path)
    }

    enum CodingKeys: String, CodingKey { case hierarchy, controllers, path }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(hierarchy: try container.decode(Int.self, forKey: .hierarchy),
                  controllers: try container.decode([String].self, forKey: .controllers),
                  path: try container.decode(String.self, forKey: .path))
    }

    private static func line(_ hierarchy: Int, _ controllers: [String], _ path: String) -> String {
        "\(hierarchy):\(controllers.joined(separator: ",")):\(path)"
    }

    public static func parseFile(_ bytes: Bytes) throws(ParseError) -> [CgroupEntry] {
        var entries: [CgroupEntry] = []
        for (offset, line) in ByteScan.lines(bytes).enumerated() {
            // The path may itself contain ':', so split on the first two only.
            let parts = line.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let hierarchy = ByteScan.unsigned(parts[0]).flatMap(Int.init(exactly:)) else {
                throw ParseError(file: "cgroup", line: offset + 1, reason: "expected 'id:controllers:path', found \(ByteScan.preview(line))")
            }
            let controllers = parts[1].isEmpty ? [] : parts[1].split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) }
            entries.append(CgroupEntry(hierarchy: hierarchy, controllers: controllers, path: EscapedText.decode(parts[2])))
        }
        return entries
    }

    /// The path that names the process's place in the tree: the `name=systemd` hierarchy on v1 and
    /// hybrid systems (it follows systemd's units and batch jobs' scopes), else the v2 path.
    public static func primaryPath(of entries: [CgroupEntry]) -> String? {
        if entries.contains(where: { $0.hierarchy != 0 }),
           let systemd = entries.first(where: { $0.controllers.contains("name=systemd") }) {
            return systemd.path
        }
        return entries.first(where: { $0.hierarchy == 0 && $0.controllers.isEmpty })?.path
    }
}
