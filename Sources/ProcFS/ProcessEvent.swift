import CTaskIter

/// One fork, exec or exit of a process as the kernel's tracepoints reported it
/// (Sources/CTaskIter/bpf/proc_events.bpf.c). Values from the process (comm, the exec's filename,
/// argv, the working directory's name) are hostile text: argv is redacted as /proc's cmdline is
/// (`ProcessArguments`), and all of it is escaped like any other process value.
public struct ProcessEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case fork, exec, exit
    }

    public var kind: Kind
    /// The process (on fork: the child).
    public var pid: Int32
    /// Its real parent now (on exit: the process that will reap it).
    public var ppid: Int32
    public var sid: Int32
    /// The start of the process and of its real parent after boot (CLOCK_BOOTTIME): with the
    /// boot ID and CLK_TCK they give both identities (`startTicks`).
    public var startBoottimeNanoseconds: UInt64
    public var parentStartBoottimeNanoseconds: UInt64
    /// When the event happened (CLOCK_BOOTTIME).
    public var boottimeNanoseconds: UInt64
    /// Real, effective, saved and filesystem ids.
    public var uids: [UInt32]
    public var gids: [UInt32]
    public var namespaces: NamespaceSet
    public var cgroupID: UInt64
    public var comm: String
    /// exec: the path given to execve, the last component of the working directory and the
    /// first arguments (bounded: `argumentsTruncated` when argv was longer); empty otherwise.
    public var filename: String
    public var cwdName: String
    public var arguments: [String]
    public var argumentsTruncated: Bool
    /// exit: the wait status (exit code << 8 | terminating signal).
    public var exitStatus: Int32

    /// Clock ticks since boot, as /proc/<pid>/stat's field 22 says them.
    public static func ticks(_ nanoseconds: UInt64, clockTicksPerSecond: Int) -> UInt64 {
        nanoseconds / (1_000_000_000 / UInt64(max(clockTicksPerSecond, 1)))
    }

    public func startTicks(clockTicksPerSecond: Int) -> UInt64 {
        Self.ticks(startBoottimeNanoseconds, clockTicksPerSecond: clockTicksPerSecond)
    }

    public func parentStartTicks(clockTicksPerSecond: Int) -> UInt64 {
        Self.ticks(parentStartBoottimeNanoseconds, clockTicksPerSecond: clockTicksPerSecond)
    }

    /// An event from its values (tests build the kernel's reports with it).
    public init(kind: Kind, pid: Int32, ppid: Int32, sid: Int32, startBoottimeNanoseconds: UInt64, parentStartBoottimeNanoseconds: UInt64,
                boottimeNanoseconds: UInt64, uids: [UInt32] = [0, 0, 0, 0], gids: [UInt32] = [0, 0, 0, 0], namespaces: NamespaceSet = NamespaceSet(),
                cgroupID: UInt64 = 0, comm: String, filename: String = "", cwdName: String = "", arguments: [String] = [],
                argumentsTruncated: Bool = false, exitStatus: Int32 = 0) {
        self.kind = kind
        self.pid = pid
        self.ppid = ppid
        self.sid = sid
        self.startBoottimeNanoseconds = startBoottimeNanoseconds
        self.parentStartBoottimeNanoseconds = parentStartBoottimeNanoseconds
        self.boottimeNanoseconds = boottimeNanoseconds
        self.uids = uids
        self.gids = gids
        self.namespaces = namespaces
        self.cgroupID = cgroupID
        self.comm = comm
        self.filename = filename
        self.cwdName = cwdName
        self.arguments = arguments
        self.argumentsTruncated = argumentsTruncated
        self.exitStatus = exitStatus
    }

    /// Decodes one event as the BPF program wrote it; nil for an unknown kind. A reader of many
    /// events keeps a `ProcessEventDecoder`, which shares the storage of values that repeat.
    public init?(_ e: isotrace_proc_event) {
        var decoder = ProcessEventDecoder()
        guard let event = withUnsafePointer(to: e, { decoder.decode($0) }) else { return nil }
        self = event
    }
}
