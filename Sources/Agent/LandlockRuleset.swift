#if canImport(Glibc)
import Glibc
#endif
import Base
import Records
import SystemPackage

/// The daemon's Landlock ruleset: read-only /proc, /sys and its policy file, read-write only its
/// state directory; no TCP (ABI 4), no signal and no abstract unix socket outside its own domain
/// (ABI 6). Built for the ABI the kernel offers: a right the kernel does not know is not handled
/// (so stays allowed), and `uncovered` says which of the wanted ones that leaves out.
///
/// What Landlock cannot cover: connecting to a pathname unix socket is no filesystem access it
/// controls (the syslog socket needs no rule; a root-only socket is refused by its file mode,
/// once the daemon is no longer root). And, measured on Linux 6.18 (ABI 7), a Landlock domain
/// also refuses ptrace_may_access to every process outside it, whatever the mode: the
/// `ns/*`, `cwd`, `exe` and `root` links and `mem` of the audited processes (see
/// `SelfConfinement.landlockDecision`).
public struct LandlockRuleset: Sendable, Equatable {
    /// The filesystem access rights (include/uapi/linux/landlock.h), by the ABI that added them.
    public enum FileAccess {
        public static let execute: UInt64 = 1 << 0
        public static let writeFile: UInt64 = 1 << 1
        public static let readFile: UInt64 = 1 << 2
        public static let readDirectory: UInt64 = 1 << 3
        public static let removeDirectory: UInt64 = 1 << 4
        public static let removeFile: UInt64 = 1 << 5
        public static let makeCharacterDevice: UInt64 = 1 << 6
        public static let makeDirectory: UInt64 = 1 << 7
        public static let makeRegular: UInt64 = 1 << 8
        public static let makeSocket: UInt64 = 1 << 9
        public static let makeFIFO: UInt64 = 1 << 10
        public static let makeBlockDevice: UInt64 = 1 << 11
        public static let makeSymlink: UInt64 = 1 << 12
        /// ABI 2: link or rename a file into another directory.
        public static let refer: UInt64 = 1 << 13
        /// ABI 3.
        public static let truncate: UInt64 = 1 << 14
        /// ABI 5: ioctl on a device file.
        public static let ioctlDevice: UInt64 = 1 << 15

        /// Every filesystem right ABI `abi` knows.
        public static func all(abi: Int) -> UInt64 {
            var rights: UInt64 = (1 << 13) - 1
            if abi >= 2 { rights |= refer }
            if abi >= 3 { rights |= truncate }
            if abi >= 5 { rights |= ioctlDevice }
            return rights
        }

        public static let readOnly = readFile | readDirectory
        /// What the daemon does in its state directory: segments, the index and its journal,
        /// the lock, the metrics file written by rename.
        public static let stateDirectory = readFile | readDirectory | writeFile | removeFile | removeDirectory
            | makeRegular | makeDirectory | refer | truncate
    }

    /// ABI 4: TCP bind and connect.
    public static let networkTCP: UInt64 = 0b11
    /// ABI 6: abstract unix sockets and signals, both only within the domain.
    public static let scopes: UInt64 = 0b11

    public struct Rule: Sendable, Equatable {
        public var path: String
        public var access: UInt64
    }

    public var abi: Int
    public var handledFilesystem: UInt64
    public var handledNetwork: UInt64
    public var scoped: UInt64
    public var rules: [Rule]
    /// What this ABI leaves uncovered of the full ruleset, for the start log and the heartbeat.
    public var uncovered: [String]

    /// The ruleset for the daemon on a kernel offering `abi`. `allowTCP`: a `--sink` over TCP.
    public init(abi: Int, procRoot: String = "/proc", policyPath: String, stateDirectory: String, allowTCP: Bool = false) {
        self.abi = abi
        handledFilesystem = FileAccess.all(abi: abi)
        handledNetwork = abi >= 4 && !allowTCP ? Self.networkTCP : 0
        scoped = abi >= 6 ? Self.scopes : 0
        let stateRights = FileAccess.stateDirectory & handledFilesystem
        rules = [
            Rule(path: procRoot, access: FileAccess.readOnly),
            Rule(path: "/sys", access: FileAccess.readOnly),
            Rule(path: policyPath, access: FileAccess.readFile),
            Rule(path: stateDirectory, access: stateRights),
        ]
        var uncovered: [String] = []
        if abi < 2 { uncovered.append("linking or renaming files across directories (ABI 2)") }
        if abi < 3 { uncovered.append("truncating files outside the state directory (ABI 3)") }
        if abi < 4 && !allowTCP { uncovered.append("TCP connect and bind (ABI 4; the seccomp filter still refuses AF_INET)") }
        if abi < 5 { uncovered.append("ioctl on device files (ABI 5)") }
        if abi < 6 { uncovered.append("signals and abstract unix sockets outside the domain (ABI 6)") }
        self.uncovered = uncovered
    }

    /// A rule's anchor may be missing (no /sys in a container): it is left out and named.
    public struct Applied: Sendable {
        public var skipped: [String]
    }

    /// Creates the ruleset and restricts the calling thread (and every thread it starts later)
    /// with it. NoNewPrivs must already be set. Landlock acts per thread: the caller must be the
    /// process's only thread, as confinement checks.
    public func apply() throws(SystemCallError) -> Applied {
        let ruleset = try Syscalls.landlockRuleset(abi: abi, filesystem: handledFilesystem, network: handledNetwork, scoped: scoped)
        defer { Syscalls.closeFile(ruleset) }
        var skipped: [String] = []
        for rule in rules {
            do {
                try Syscalls.landlockAllow(ruleset, path: rule.path, access: rule.access)
            } catch where error.errno == .noSuchFileOrDirectory {
                skipped.append(rule.path)
            }
        }
        try Syscalls.landlockRestrictSelf(ruleset)
        return Applied(skipped: skipped)
    }
}

/// Whether the daemon is under Landlock, and if not why: said at start and in every heartbeat.
public enum LandlockStatus: Sendable, Equatable {
    case notTried
    /// The kernel offers no Landlock (errno: ENOSYS not built in, EOPNOTSUPP not enabled at boot).
    case unavailable(reason: String)
    /// Offered at `abi` but not applied, and why.
    case notApplied(abi: Int, reason: String)
    case applied(abi: Int, skipped: [String], uncovered: [String])

    /// What the kernel offers: its ABI, or (`.unavailable`) why none.
    public enum Offer: Sendable {
        case abi(Int)
        case none(LandlockStatus)
    }

    public static func offered() -> Offer {
        switch Syscalls.landlockABI() {
        case .success(let abi): return .abi(abi)
        case .failure(let errno):
            let why = errno == .noFunction ? "not built into this kernel (ENOSYS)"
                : errno.rawValue == EOPNOTSUPP ? "built in but not enabled at boot (EOPNOTSUPP; add landlock to lsm=)"
                : "landlock_create_ruleset failed: \(errno)"
            return .none(.unavailable(reason: why))
        }
    }

    /// One line for the log.
    public var summary: String {
        switch self {
        case .notTried: return "landlock: not tried"
        case .unavailable(let reason): return "landlock: unavailable, \(reason)"
        case .notApplied(let abi, let reason): return "landlock: ABI \(abi) offered, not applied: \(reason)"
        case .applied(let abi, let skipped, let uncovered):
            return "landlock: ABI \(abi) applied" + (skipped.isEmpty ? "" : ", no rule for missing \(skipped.joined(separator: ", "))")
                + (uncovered.isEmpty ? "" : "; this ABI does not cover: \(uncovered.joined(separator: "; "))")
        }
    }

    public var json: JSONValue {
        switch self {
        case .notTried: return .object([JSONMember("applied", .bool(false)), JSONMember("abi", .null), JSONMember("reason", .string("not tried"))])
        case .unavailable(let reason):
            return .object([JSONMember("applied", .bool(false)), JSONMember("abi", .null), JSONMember("reason", .string(reason))])
        case .notApplied(let abi, let reason):
            return .object([JSONMember("applied", .bool(false)), JSONMember("abi", DaemonRecords.integer(abi)), JSONMember("reason", .string(reason))])
        case .applied(let abi, let skipped, let uncovered):
            return .object([JSONMember("applied", .bool(true)), JSONMember("abi", DaemonRecords.integer(abi)),
                            JSONMember("uncovered", .array(uncovered.map(JSONValue.string))),
                            JSONMember("missing_paths", .array(skipped.map(JSONValue.string)))])
        }
    }
}
