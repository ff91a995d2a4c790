#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kinds of namespace isotrace reads from `/proc/<pid>/ns/`.
public enum NamespaceKind: String, CaseIterable, Sendable, Codable, Comparable {
    case cgroup, ipc, mnt, net, pid
    case pidForChildren = "pid_for_children"
    case time, user, uts

    public static func < (lhs: NamespaceKind, rhs: NamespaceKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The initial namespace's inode, for the kinds whose is fixed by the kernel (since 3.8:
    /// PROC_PID_INIT_INO and PROC_USER_INIT_INO in include/linux/proc_ns.h); nil for the others.
    public var initialInode: UInt64? {
        switch self {
        case .pid: return 0xEFFF_FFFC
        case .user: return 0xEFFF_FFFD
        default: return nil
        }
    }

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
    /// The kind's link below the process directory (`ns/pid`), a literal handed to readlinkat.
    var linkName: StaticString {
        switch self {
        case .cgroup: return "ns/cgroup"
        case .ipc: return "ns/ipc"
        case .mnt: return "ns/mnt"
        case .net: return "ns/net"
        case .pid: return "ns/pid"
        case .pidForChildren: return "ns/pid_for_children"
        case .time: return "ns/time"
        case .user: return "ns/user"
        case .uts: return "ns/uts"
        }
    }

    /// What the link's text starts with (`mnt:[`); pid_for_children links to a `pid:` namespace.
    var linkPrefix: StaticString {
        switch self {
        case .cgroup: return "cgroup:["
        case .ipc: return "ipc:["
        case .mnt: return "mnt:["
        case .net: return "net:["
        case .pid, .pidForChildren: return "pid:["
        case .time: return "time:["
        case .user: return "user:["
        case .uts: return "uts:["
        }
    }
}

/// The namespace inodes of one process. Two processes share a namespace exactly when the inodes
/// (on the nsfs device) are equal. A kind is absent when the link could not be read; the sample's
/// `unavailable` map says why. Held as nine slots in `NamespaceKind` order (0: absent), not as a
/// dictionary: every check, cycle and record looks kinds up, and no inode is 0.
public struct NamespaceSet: Sendable, Equatable {
    private var slots: [UInt64]

    public init(inodes: [NamespaceKind: UInt64] = [:]) {
        slots = Self.noSlots
        for (kind, inode) in inodes { self[kind] = inode }
    }

    /// Nine absent kinds, one array shared by every empty set (each sample starts with one).
    private static let noSlots = [UInt64](repeating: 0, count: NamespaceKind.all.count)

    /// How many kinds there are (slots of a set).
    static let count = NamespaceKind.all.count

    /// A set whose slots (inodes in `NamespaceKind` order, 0 for absent) `fill` writes.
    init(filling fill: (UnsafeMutableBufferPointer<UInt64>) -> Void) {
        slots = [UInt64](unsafeUninitializedCapacity: Self.count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            fill(buffer)
            initialized = Self.count
        }
    }

    /// Whether this set's slots are `inodes` (nine, in `NamespaceKind` order, 0 for absent).
    func hasSlots(_ inodes: UnsafeBufferPointer<UInt64>) -> Bool {
        slots.withUnsafeBufferPointer { $0.elementsEqual(inodes) }
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
        let length = expected.utf8CodeUnitCount
        guard bytes.count > length + 1,
              bytes.withUnsafeBytes({ memcmp($0.baseAddress!, expected.utf8Start, length) == 0 }),
              bytes.last == UInt8(ascii: "]"),
              let inode = ByteScan.unsigned(bytes[(bytes.startIndex + length)..<(bytes.endIndex - 1)])
        else {
            let name = expected.withUTF8Buffer { String(decoding: $0.dropLast(2), as: UTF8.self) }
            throw ParseError(file: "ns/\(kind.rawValue)", reason: "expected '\(name):[inode]', found \(ByteScan.preview(bytes))")
        }
        return inode
    }
}
