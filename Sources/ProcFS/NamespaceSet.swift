/// The kinds of namespace isotrace reads from `/proc/<pid>/ns/`.
public enum NamespaceKind: String, CaseIterable, Sendable, Codable, Comparable {
    case cgroup, ipc, mnt, net, pid
    case pidForChildren = "pid_for_children"
    case time, user, uts

    public static func < (lhs: NamespaceKind, rhs: NamespaceKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `allCases`, made once (the synthesized property builds a new array on every use).
    static let all = allCases
    /// Each kind with its link below the process directory (`ns/pid`), made once, not per process.
    static let linkNames = allCases.map { ($0, "ns/" + $0.rawValue) }
}

/// The namespace inodes of one process. Two processes share a namespace exactly when the inodes
/// (on the nsfs device) are equal. A kind is absent when the link could not be read; the sample's
/// `unavailable` map says why.
public struct NamespaceSet: Sendable, Equatable {
    public var inodes: [NamespaceKind: UInt64]

    public init(inodes: [NamespaceKind: UInt64] = [:]) { self.inodes = inodes }

    public subscript(kind: NamespaceKind) -> UInt64? {
        get { inodes[kind] }
        set { inodes[kind] = newValue }
    }

    /// Parses a namespace link's text, `mnt:[4026531832]`, checking the kind matches.
    public static func parseLink(_ bytes: Bytes, expecting kind: NamespaceKind) throws(ParseError) -> UInt64 {
        let file = "ns/\(kind.rawValue)"
        // pid_for_children and time_for_children link to a "pid:[...]" / "time:[...]" namespace.
        let expected = kind == .pidForChildren ? "pid" : kind.rawValue
        guard let open = bytes.firstIndex(of: UInt8(ascii: "[")), bytes.last == UInt8(ascii: "]"),
              String(decoding: bytes[bytes.startIndex..<open], as: UTF8.self) == expected + ":",
              let inode = ByteScan.unsigned(bytes[(open + 1)..<(bytes.endIndex - 1)])
        else { throw ParseError(file: file, reason: "expected '\(expected):[inode]', found \(ByteScan.preview(bytes))") }
        return inode
    }
}
