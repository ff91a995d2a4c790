/// A Linux capability by its number in include/uapi/linux/capability.h: the bit it sets in the
/// masks `/proc/<pid>/status` shows (`CapEff:` and the rest). The one place capability numbers
/// and names are written down; the checks (Policy), the sampler's own privilege test (ProcFS)
/// and the daemon's self-confinement (Agent) all ask it.
public struct Capability: Hashable, Sendable, CustomStringConvertible {
    /// The capability's number (`CAP_SYS_PTRACE` is 19).
    public let number: Int
    /// Its name as capsh(1) and capabilities(7) print it, lower-case: `cap_sys_ptrace`.
    public let name: String

    private init(_ number: Int, _ name: String) {
        self.number = number
        self.name = name
    }

    public static let dacOverride = Capability(1, "cap_dac_override")
    public static let dacReadSearch = Capability(2, "cap_dac_read_search")
    public static let fowner = Capability(3, "cap_fowner")
    public static let kill = Capability(5, "cap_kill")
    public static let setgid = Capability(6, "cap_setgid")
    public static let setuid = Capability(7, "cap_setuid")
    public static let setpcap = Capability(8, "cap_setpcap")
    public static let sysPtrace = Capability(19, "cap_sys_ptrace")
    public static let sysAdmin = Capability(21, "cap_sys_admin")
    public static let perfmon = Capability(38, "cap_perfmon")
    public static let bpf = Capability(39, "cap_bpf")

    /// Its bit in a capability mask.
    public var mask: UInt64 { 1 << UInt64(number) }

    /// True when `mask` holds this capability.
    public func isSet(in mask: UInt64) -> Bool { mask & self.mask != 0 }

    /// The mask holding exactly `capabilities`.
    public static func mask(_ capabilities: [Capability]) -> UInt64 {
        capabilities.reduce(0) { $0 | $1.mask }
    }

    /// A mask as /proc prints it: 16 lower-case hex digits (`00000000a80425fb`).
    public static func hex(_ mask: UInt64) -> String {
        let digits = String(mask, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    public var description: String { name }
}
