/// Who a process is, for good: PIDs are reused, but (boot, pid, start ticks) never repeats.
public struct ProcessIdentity: Sendable, Hashable, Codable {
    /// `/proc/sys/kernel/random/boot_id` of the boot the process ran in.
    public var bootID: String
    public var pid: Int32
    /// Start time after boot in clock ticks (stat field 22).
    public var startTicks: UInt64

    enum CodingKeys: String, CodingKey {
        case bootID = "boot_id", pid, startTicks = "start_ticks"
    }

    public init(bootID: String, pid: Int32, startTicks: UInt64) {
        self.bootID = bootID
        self.pid = pid
        self.startTicks = startTicks
    }

    /// pid and start ticks only: they already tell processes apart within a boot, and hashing
    /// the boot ID's text for each of a node's thousands of processes per cycle is what costs.
    /// Equality still compares all three.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(pid)
        hasher.combine(startTicks)
    }
}
