import Base

/// Facts about the node that every audit and record carries: who the machine is, which boot this
/// is, and the kernel settings that decide what isolation is possible.
public struct NodeFacts: Sendable, Equatable {
    public var hostname: String?
    public var bootID: String?
    public var machineID: String?
    public var kernelRelease: String?
    /// `kernel.yama.ptrace_scope`; nil when the Yama LSM is not present.
    public var ptraceScope: Int?
    public var maxUserNamespaces: Int?
    /// `kernel.unprivileged_userns_clone` (Debian and Ubuntu kernels only).
    public var unprivilegedUsernsClone: Int?
    public var pidMax: Int?
    /// `btime` from /proc/stat: boot time in seconds since the epoch.
    public var bootTime: UInt64
    /// The milliseconds of the boot instant past `bootTime`, which btime's whole seconds leave
    /// out (0-999): known from the clocks when the proc root is this very kernel's
    /// (`NodeFactsReader`), else 0. Start times count from `bootTime` plus these.
    public var bootMilliseconds: UInt64
    /// `sysconf(_SC_CLK_TCK)`: the unit of stat's start ticks.
    public var clockTicksPerSecond: Int
    /// Fact name -> why it could not be read.
    public var unavailable: [String: String]

    public init(hostname: String? = nil, bootID: String? = nil, machineID: String? = nil, kernelRelease: String? = nil,
                ptraceScope: Int? = nil, maxUserNamespaces: Int? = nil, unprivilegedUsernsClone: Int? = nil,
                pidMax: Int? = nil, bootTime: UInt64, bootMilliseconds: UInt64 = 0, clockTicksPerSecond: Int,
                unavailable: [String: String] = [:]) {
        self.hostname = hostname
        self.bootID = bootID
        self.machineID = machineID
        self.kernelRelease = kernelRelease
        self.ptraceScope = ptraceScope
        self.maxUserNamespaces = maxUserNamespaces
        self.unprivilegedUsernsClone = unprivilegedUsernsClone
        self.pidMax = pidMax
        self.bootTime = bootTime
        self.bootMilliseconds = bootMilliseconds
        self.clockTicksPerSecond = clockTicksPerSecond
        self.unavailable = unavailable
    }

    /// The UTC start time of a process that started `ticks` clock ticks after boot (stat's
    /// start time).
    public func startTime(ticks: UInt64) -> UTCTime {
        UTCTime(bootTime: bootTime, ticks: ticks, ticksPerSecond: clockTicksPerSecond, bootMilliseconds: bootMilliseconds)
    }

    /// The boot instant: `bootTime` and its milliseconds.
    public var bootInstant: UTCTime { startTime(ticks: 0) }
}
