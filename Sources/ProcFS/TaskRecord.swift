#if canImport(Glibc)
import Glibc
#endif
import CTaskIter

/// One thread-group leader as the BPF task iterator reports it (`struct isotrace_task_record` in
/// Sources/CTaskIter/include/task_iter.h): the facts /proc's stat, status and ns/* would show, as
/// the kernel holds them. PIDs are those of the initial PID namespace, ids those of the initial
/// user namespace, so they equal /proc's only for a reader in both initial namespaces.
public struct TaskRecord: Sendable, Equatable {
    public var pid: Int32
    public var ppid: Int32
    public var pgid: Int32
    public var sid: Int32
    public var tracerPID: Int32
    /// Real, effective, saved, filesystem.
    public var uids: [UInt32]
    public var gids: [UInt32]
    /// Supplementary groups; only the first `TaskRecord.groupLimit` are in the record.
    public var groups: [UInt32]
    public var groupCount: Int
    public var startBoottimeNanoseconds: UInt64
    public var capabilities: CapabilitySets
    /// Namespace inode by kind; a kind is absent when the task has none (a zombie's nsproxy is gone).
    public var namespaces: NamespaceSet
    public var cgroupID: UInt64
    public var flags: UInt32
    /// stat's state letter.
    public var state: UInt8
    /// NSpid from the initial PID namespace down; only the first `TaskRecord.nspidLimit` levels.
    public var nspid: [Int32]
    public var nspidLevel: Int
    public var noNewPrivs: Bool
    public var seccompMode: UInt32
    public var seccompFilters: UInt32
    /// The raw bytes of `comm` (up to 15, no NUL).
    public var comm: [UInt8]

    public static let groupLimit = 32
    public static let nspidLimit = 4

    /// The order of `ns_inodes[]` in the C record.
    static let namespaceOrder: [NamespaceKind] = [.cgroup, .ipc, .mnt, .net, .pid, .pidForChildren, .time, .user, .uts]

    /// A fixed-size C array (imported as a tuple) as a Swift array of its elements.
    static func array<T, E>(_ tuple: T, _: E.Type) -> [E] {
        withUnsafeBytes(of: tuple) { Array($0.bindMemory(to: E.self)) }
    }

    /// The nine namespace inodes the BPF programs write (`namespaceOrder`; 0 for none).
    static func namespaces<T>(_ inodes: T) -> NamespaceSet {
        var namespaces = NamespaceSet()
        withUnsafeBytes(of: inodes) { raw in
            for (index, kind) in namespaceOrder.enumerated() where (index + 1) * 8 <= raw.count {
                let inode = raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
                if inode != 0 { namespaces[kind] = inode }
            }
        }
        return namespaces
    }

    init(_ r: isotrace_task_record) {
        func array<T, E>(_ tuple: T, _ type: E.Type) -> [E] { Self.array(tuple, type) }
        pid = r.pid
        ppid = r.ppid
        pgid = r.pgid
        sid = r.sid
        tracerPID = r.tracer_pid
        uids = array(r.uids, UInt32.self)
        gids = array(r.gids, UInt32.self)
        groupCount = Int(r.ngroups)
        groups = Array(array(r.groups, UInt32.self).prefix(min(groupCount, Self.groupLimit)))
        startBoottimeNanoseconds = r.start_boottime_ns
        let caps = array(r.caps, UInt64.self)
        capabilities = CapabilitySets(inheritable: caps[0], permitted: caps[1], effective: caps[2], bounding: caps[3], ambient: caps[4])
        namespaces = Self.namespaces(r.ns_inodes)
        cgroupID = r.cgroup_id
        flags = r.flags
        state = UInt8(truncatingIfNeeded: r.state)
        nspidLevel = Int(r.nspid_level)
        nspid = Array(array(r.nspid, Int32.self).prefix(min(nspidLevel + 1, Self.nspidLimit)))
        noNewPrivs = r.no_new_privs != 0
        seccompMode = r.seccomp_mode
        seccompFilters = r.seccomp_filters
        comm = array(r.comm, UInt8.self).prefix { $0 != 0 }
    }

    public var isKernelThread: Bool { flags & 0x0020_0000 != 0 }

    /// True when the record alone cannot give what /proc shows: a namespace missing (zombie or
    /// exiting task), NSpid or Groups longer than the record holds, an unknown seccomp mode.
    /// Such a process is read from /proc instead.
    public var isIncomplete: Bool {
        namespaces.count != NamespaceKind.all.count || nspidLevel + 1 > Self.nspidLimit
            || groupCount > Self.groupLimit || SeccompMode(statusValue: UInt64(seccompMode)) == nil || state == UInt8(ascii: "Z")
    }

    /// stat's start time in clock ticks: the kernel's nsec_to_clock_t(start_boottime).
    public func startTicks(clockTicksPerSecond: Int) -> UInt64 {
        startBoottimeNanoseconds / (1_000_000_000 / UInt64(max(clockTicksPerSecond, 1)))
    }

    /// What `/proc/<pid>/stat` shows; `comm` is given by the caller (a kernel thread's stat
    /// shows more than the task's comm: the workqueue or the full kthread name).
    public func stat(clockTicksPerSecond: Int, comm: String? = nil) -> ProcessStat {
        ProcessStat(
            pid: pid, comm: comm ?? EscapedText.decode(self.comm[...]), state: String(UnicodeScalar(state)),
            ppid: ppid, pgid: pgid, sid: sid, flags: UInt64(flags), startTicks: startTicks(clockTicksPerSecond: clockTicksPerSecond))
    }

    /// What `/proc/<pid>/status` shows of the fields isotrace reads (nil when incomplete).
    public var status: ProcessStatus? {
        guard let seccomp = SeccompMode(statusValue: UInt64(seccompMode)), !isIncomplete else { return nil }
        return ProcessStatus(
            uids: uids, gids: gids, groups: groups, nspid: nspid, capabilities: capabilities, noNewPrivs: noNewPrivs,
            seccomp: seccomp, seccompFilters: Int(seccompFilters), tracerPid: tracerPID)
    }
}

extension isotrace_task_record {
    /// Byte equality of two records. The BPF program zeroes each record before filling it and the
    /// struct has no padding before its end, so equal facts are equal bytes.
    func hasSameBytes(as other: isotrace_task_record) -> Bool {
        withUnsafeBytes(of: self) { mine in
            withUnsafeBytes(of: other) { theirs in memcmp(mine.baseAddress!, theirs.baseAddress!, mine.count) == 0 }
        }
    }
}
