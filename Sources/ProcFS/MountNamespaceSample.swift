/// The mount table of one mount namespace, read once per sample through one of its processes.
public struct MountNamespaceSample: Sendable, Equatable {
    public var inode: UInt64
    /// The process whose mountinfo was read. Paths are relative to that process's root.
    public var readThroughPID: Int32?
    public var mounts: [MountEntry]?
    /// Why the table could not be read through any of the namespace's processes.
    public var unavailable: String?

    public init(inode: UInt64, readThroughPID: Int32?, mounts: [MountEntry]?, unavailable: String? = nil) {
        self.inode = inode
        self.readThroughPID = readThroughPID
        self.mounts = mounts
        self.unavailable = unavailable
    }

    /// `hidepid` of the proc mount at /proc in this namespace (`invisible`, `2`, ...), if set.
    public var procHidePID: String? {
        mounts?.last(where: { $0.fsType == "proc" && $0.mountPoint == "/proc" })?.superOption("hidepid")
    }
}
