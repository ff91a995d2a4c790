/// The kinds of namespace isotrace reads from `/proc/<pid>/ns/`.
public enum NamespaceKind: String, CaseIterable, Sendable, Codable, Comparable {
    case cgroup, ipc, mnt, net, pid
    case pidForChildren = "pid_for_children"
    case time, user, uts

    public static func < (lhs: NamespaceKind, rhs: NamespaceKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `allCases`, made once (the synthesized property builds a new array on every use).
    static let all = allCases

    /// The kind's place in `allCases` (a `NamespaceSet` slot).
    var slot: Int {
        switch self {
        case .cgroup: return 0
        case .ipc: return 1
        case .mnt: return 2
        case .net: return 3
        case .pid: return 4
        case .pidForChildren: return 5
        case .time: return 6
        case .user: return 7
        case .uts: return 8
        }
    }
    /// Each kind with its link below the process directory (`ns/pid`), made once, not per process.
    static let linkNames = allCases.map { ($0, "ns/" + $0.rawValue) }

    /// What the link's text starts with (`mnt:[`); pid_for_children links to a `pid:` namespace.
    var linkPrefix: [UInt8] {
        switch self {
        case .cgroup: return Self.prefixes[0]
        case .ipc: return Self.prefixes[1]
        case .mnt: return Self.prefixes[2]
        case .net: return Self.prefixes[3]
        case .pid, .pidForChildren: return Self.prefixes[4]
        case .time: return Self.prefixes[5]
        case .user: return Self.prefixes[6]
        case .uts: return Self.prefixes[7]
        }
    }
    private static let prefixes = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"].map { Array(($0 + ":[").utf8) }
}

/// The namespace inodes of one process. Two processes share a namespace exactly when the inodes
/// (on the nsfs device) are equal. A kind is absent when the link could not be read; the sample's
/// `unavailable` map says why. Held as nine slots in `NamespaceKind` order (0: absent), not as a
/// dictionary: every check, cycle and record looks kinds up, and no inode is 0.
public struct NamespaceSet: Sendable, Equatable {
    private var slots: [UInt64]

    public init(inodes: [NamespaceKind: UInt64] = [:]) {
        slots = [UInt64](repeating: 0, count: NamespaceKind.all.count)
        for (kind, inode) in inodes { self[kind] = inode }
    }

    /// The kinds present, with their inodes.
    public var inodes: [NamespaceKind: UInt64] {
        var inodes: [NamespaceKind: UInt64] = [:]
        for kind in NamespaceKind.all where slots[kind.slot] != 0 { inodes[kind] = slots[kind.slot] }
        return inodes
    }

    /// How many kinds are present.
    public var count: Int { slots.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }

    public subscript(kind: NamespaceKind) -> UInt64? {
        get {
            let inode = slots[kind.slot]
            return inode == 0 ? nil : inode
        }
        set { slots[kind.slot] = newValue ?? 0 }
    }

    /// Parses a namespace link's text, `mnt:[4026531832]`, checking the kind matches.
    public static func parseLink(_ bytes: Bytes, expecting kind: NamespaceKind) throws(ParseError) -> UInt64 {
        // pid_for_children and time_for_children link to a "pid:[...]" / "time:[...]" namespace.
        let expected = kind.linkPrefix
        guard bytes.count > expected.count + 1, bytes.starts(with: expected), bytes.last == UInt8(ascii: "]"),
              let inode = ByteScan.unsigned(bytes[(bytes.startIndex + expected.count)..<(bytes.endIndex - 1)])
        else {
            let name = String(decoding: expected.dropLast(2), as: UTF8.self)
            throw ParseError(file: "ns/\(kind.rawValue)", reason: "expected '\(name):[inode]', found \(ByteScan.preview(bytes))")
        }
        return inode
    }
}
