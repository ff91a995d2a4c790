#if canImport(Glibc)
import Glibc
#endif
import ProcFS

/// The members of an event `process`/`exit` entry that the entries of one record may state once,
/// in the record's `shared` object, when all of them have one value (`DaemonRecords.eventEntries`).
/// The other members (`pid`, `start_ticks`, `start_time`, `first_seen`, `last_seen`, `execs`) are
/// each entry's own.
struct EventEntryKeys: OptionSet {
    let rawValue: UInt32

    static let bootID = Self(rawValue: 1 << 0)
    static let cgroupID = Self(rawValue: 1 << 1)
    static let cmdline = Self(rawValue: 1 << 2)
    static let comm = Self(rawValue: 1 << 3)
    static let container = Self(rawValue: 1 << 4)
    static let escaped = Self(rawValue: 1 << 5)
    static let exe = Self(rawValue: 1 << 6)
    static let execCount = Self(rawValue: 1 << 7)
    static let exitCode = Self(rawValue: 1 << 8)
    static let exitSignal = Self(rawValue: 1 << 9)
    static let gids = Self(rawValue: 1 << 10)
    static let ns = Self(rawValue: 1 << 11)
    static let pandaID = Self(rawValue: 1 << 12)
    static let pilot = Self(rawValue: 1 << 13)
    static let ppid = Self(rawValue: 1 << 14)
    static let reaperPID = Self(rawValue: 1 << 15)
    static let role = Self(rawValue: 1 << 16)
    static let seenBy = Self(rawValue: 1 << 17)
    static let sid = Self(rawValue: 1 << 18)
    static let taskID = Self(rawValue: 1 << 19)
    static let uid = Self(rawValue: 1 << 20)
    static let uids = Self(rawValue: 1 << 21)

    /// What every entry states: its job's attribution, `seen_by`, `comm` and `uid`.
    static let always: Self = [.bootID, .comm, .container, .pandaID, .pilot, .role, .seenBy, .taskID, .uid]
    /// What an entry with the process's life adds (ids, namespaces, argv, parent).
    static let life: Self = [.cgroupID, .cmdline, .escaped, .exe, .execCount, .gids, .ns, .ppid, .sid, .uids]
    /// What an exit entry adds.
    static let exit: Self = [.exitCode, .exitSignal, .reaperPID]

    /// The members an entry states.
    static func stated(life: Bool, exit: Bool) -> Self {
        var keys = always
        if life { keys.formUnion(Self.life) }
        if exit { keys.formUnion(Self.exit) }
        return keys
    }

    /// Those of `keys` whose values `a` and `b` state differently (as written: strings by their
    /// bytes, integers as `integer(_:)` writes them, null beyond 2^53 - 1).
    static func differing(_ a: EventAttributor.Entry, _ b: EventAttributor.Entry, among keys: Self) -> Self {
        var differ: Self = []
        func check(_ key: Self, _ same: () -> Bool) {
            if keys.contains(key) && !same() { differ.insert(key) }
        }
        let p = a.process, q = b.process, l = a.life, m = b.life
        check(.bootID) { bytes(p.identity.bootID, q.identity.bootID) }
        check(.cgroupID) { written(l.cgroupID) == written(m.cgroupID) }
        check(.cmdline) { bytes(l.execs.last?.arguments, m.execs.last?.arguments) }
        check(.comm) { bytes(l.comm, m.comm) }
        check(.container) {
            switch (p.container, q.container) {
            case (nil, nil): return true
            case let (x?, y?): return bytes(x.image, y.image) && bytes(x.process, y.process) && bytes(x.runtime, y.runtime)
            default: return false
            }
        }
        check(.escaped) { bytes(l.escaped, m.escaped) }
        check(.exe) { bytes(l.execs.last?.filename, m.execs.last?.filename) }
        check(.execCount) { written(l.execCount) == written(m.execCount) }
        check(.exitCode) { l.exit.map { ($0.status >> 8) & 0xff } == m.exit.map { ($0.status >> 8) & 0xff } }
        check(.exitSignal) { l.exit.map { $0.status & 0x7f } == m.exit.map { $0.status & 0x7f } }
        check(.gids) { l.gids == m.gids }
        check(.ns) { namespaceKinds.allSatisfy { written(l.namespaces[$0]) == written(m.namespaces[$0]) } }
        check(.pandaID) { bytes(p.pandaID, q.pandaID) }
        check(.pilot) {
            switch (p.pilot, q.pilot) {
            case (nil, nil): return true
            case let (x?, y?): return bytes(x.bootID, y.bootID) && x.pid == y.pid && written(x.startTicks) == written(y.startTicks)
            default: return false
            }
        }
        check(.ppid) { l.parent.pid == m.parent.pid }
        check(.reaperPID) { l.exit?.reaper == m.exit?.reaper }
        check(.role) { p.role == q.role }
        check(.sid) { l.sid == m.sid }
        check(.taskID) { bytes(p.taskID, q.taskID) }
        check(.uid) { (l.uids.count > 1 ? l.uids[1] : nil) == (m.uids.count > 1 ? m.uids[1] : nil) }
        check(.uids) { l.uids == m.uids }
        return differ
    }

    /// The namespace kinds (made once: `allCases` builds an array each use).
    private static let namespaceKinds = NamespaceKind.allCases

    /// Equal as written: by their UTF-8 bytes (Swift's `==` on strings is canonical equivalence).
    private static func bytes(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?): return same(x, y)
        default: return false
        }
    }

    private static func bytes(_ a: [String]?, _ b: [String]?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?):
            guard x.count == y.count else { return false }
            for index in x.indices where !same(x[index], y[index]) { return false }
            return true
        default: return false
        }
    }

    /// The same UTF-8 bytes (compared at once: strings here are native, their bytes contiguous).
    private static func same(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
        }
    }

    /// An integer as `integer(_:)` writes it: nil (null) beyond ±(2^53 - 1).
    private static func written<T: BinaryInteger>(_ value: T?) -> Int64? {
        guard let value else { return nil }
        let clamped = Int64(clamping: value)
        return clamped.magnitude <= UInt64((1 << 53) - 1) ? clamped : nil
    }
}
