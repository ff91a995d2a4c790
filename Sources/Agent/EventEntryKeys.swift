#if canImport(Glibc)
import Glibc
#endif
import Jobs
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
    static func differing(_ a: UnsafePointer<EventAttributor.Entry>, _ b: UnsafePointer<EventAttributor.Entry>, among keys: Self) -> Self {
        // Plain tests, each only while its key is still a candidate (no closures: this runs for
        // every entry of every record), each member read where it is (no copy of an entry).
        var differ: Self = []
        if keys.contains(.bootID), !bytes(a.pointee.process.identity.bootID, b.pointee.process.identity.bootID) { differ.insert(.bootID) }
        if keys.contains(.cgroupID), written(a.pointee.life.cgroupID) != written(b.pointee.life.cgroupID) { differ.insert(.cgroupID) }
        if keys.contains(.cmdline), !bytes(a.pointee.life.execs.last?.arguments, b.pointee.life.execs.last?.arguments) { differ.insert(.cmdline) }
        if keys.contains(.comm), !bytes(a.pointee.life.comm, b.pointee.life.comm) { differ.insert(.comm) }
        if keys.contains(.container), !sameContainer(a.pointee.process.container, b.pointee.process.container) { differ.insert(.container) }
        if keys.contains(.escaped), !bytes(a.pointee.life.escaped, b.pointee.life.escaped) { differ.insert(.escaped) }
        if keys.contains(.exe), !bytes(a.pointee.life.execs.last?.filename, b.pointee.life.execs.last?.filename) { differ.insert(.exe) }
        if keys.contains(.execCount), written(a.pointee.life.execCount) != written(b.pointee.life.execCount) { differ.insert(.execCount) }
        if keys.contains(.exitCode), a.pointee.life.exit.map({ ($0.status >> 8) & 0xff }) != b.pointee.life.exit.map({ ($0.status >> 8) & 0xff }) {
            differ.insert(.exitCode)
        }
        if keys.contains(.exitSignal), a.pointee.life.exit.map({ $0.status & 0x7f }) != b.pointee.life.exit.map({ $0.status & 0x7f }) { differ.insert(.exitSignal) }
        if keys.contains(.gids), a.pointee.life.gids != b.pointee.life.gids { differ.insert(.gids) }
        if keys.contains(.ns), !sameNamespaces(a.pointee.life.namespaces, b.pointee.life.namespaces) { differ.insert(.ns) }
        if keys.contains(.pandaID), !bytes(a.pointee.process.pandaID, b.pointee.process.pandaID) { differ.insert(.pandaID) }
        if keys.contains(.pilot), !samePilot(a.pointee.process.pilot, b.pointee.process.pilot) { differ.insert(.pilot) }
        if keys.contains(.ppid), a.pointee.life.parent.pid != b.pointee.life.parent.pid { differ.insert(.ppid) }
        if keys.contains(.reaperPID), a.pointee.life.exit?.reaper != b.pointee.life.exit?.reaper { differ.insert(.reaperPID) }
        if keys.contains(.role), a.pointee.process.role != b.pointee.process.role { differ.insert(.role) }
        if keys.contains(.sid), a.pointee.life.sid != b.pointee.life.sid { differ.insert(.sid) }
        if keys.contains(.taskID), !bytes(a.pointee.process.taskID, b.pointee.process.taskID) { differ.insert(.taskID) }
        if keys.contains(.uid), (a.pointee.life.uids.count > 1 ? a.pointee.life.uids[1] : nil) != (b.pointee.life.uids.count > 1 ? b.pointee.life.uids[1] : nil) {
            differ.insert(.uid)
        }
        if keys.contains(.uids), a.pointee.life.uids != b.pointee.life.uids { differ.insert(.uids) }
        return differ
    }

    private static func sameContainer(_ a: ContainerInfo?, _ b: ContainerInfo?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?): return bytes(x.image, y.image) && same(x.process, y.process) && same(x.runtime, y.runtime)
        default: return false
        }
    }

    private static func samePilot(_ a: ProcessIdentity?, _ b: ProcessIdentity?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?): return x.pid == y.pid && written(x.startTicks) == written(y.startTicks) && same(x.bootID, y.bootID)
        default: return false
        }
    }

    private static func sameNamespaces(_ a: NamespaceSet, _ b: NamespaceSet) -> Bool {
        for kind in namespaceKinds where written(a[kind]) != written(b[kind]) { return false }
        return true
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
