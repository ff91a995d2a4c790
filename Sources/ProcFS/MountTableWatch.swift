import Base
import SystemPackage

/// The daemon's memory of mount tables between samples: one open `mountinfo` per mount
/// namespace, with the table last read from it. The kernel marks such a file when its
/// namespace's mount table changes (poll reports POLLPRI; proc(5), /proc/pid/mounts), so a
/// sample re-reads mountinfo only for the namespaces whose table changed, and takes the others
/// as they were, without opening anything.
///
/// An open mountinfo keeps its namespace alive: a namespace no sample sees any more is let go
/// (`keepOnly`). At most `limit` files are kept; beyond that, tables are read every sample as
/// without a watch. Used by one thread at a time (the daemon's loop), hence `@unchecked Sendable`.
public final class MountTableWatch: @unchecked Sendable {
    struct Entry {
        var fd: FileDescriptor
        var table: MountNamespaceSample
        var changed = false
    }

    private var entries: [UInt64: Entry] = [:]
    public let limit: Int

    public init(limit: Int = 512) { self.limit = limit }

    deinit {
        for entry in entries.values { Syscalls.closeFile(entry.fd) }
    }

    /// The mount namespaces whose mountinfo is kept open.
    public var namespaces: [UInt64] { entries.keys.sorted() }
    /// How many tables were read into the watch since it was made (first reads and re-reads
    /// after a change): what shows that an unchanged table is not read again.
    public private(set) var tablesRead = 0

    /// Asks the kernel which kept tables changed since they were read: call at the start of a sample.
    func poll() {
        let namespaces = Array(entries.keys)
        for index in Syscalls.pollChanged(namespaces.map { entries[$0]!.fd }) {
            entries[namespaces[index]]?.changed = true
        }
    }

    /// The table of `namespace` as last read, when the kernel reports no change since.
    func unchangedTable(_ namespace: UInt64) -> MountNamespaceSample? {
        guard let entry = entries[namespace], !entry.changed else { return nil }
        return entry.table
    }

    /// The open file of `namespace`, to read again in place after a change.
    func file(_ namespace: UInt64) -> FileDescriptor? { entries[namespace]?.fd }

    /// Whether a new file may be kept.
    var hasRoom: Bool { entries.count < limit }

    /// Keeps `fd` (now owned by the watch) with the table just read from it.
    func keep(_ namespace: UInt64, fd: FileDescriptor, table: MountNamespaceSample) {
        if let old = entries[namespace], old.fd != fd { Syscalls.closeFile(old.fd) }
        entries[namespace] = Entry(fd: fd, table: table)
        tablesRead += 1
    }

    /// Lets go of a namespace's file (its re-read failed).
    func forget(_ namespace: UInt64) {
        if let old = entries.removeValue(forKey: namespace) { Syscalls.closeFile(old.fd) }
    }

    /// Closes the files of namespaces not in `namespaces` (no process of the sample is in them).
    func keepOnly(_ namespaces: Set<UInt64>) {
        for namespace in entries.keys where !namespaces.contains(namespace) { forget(namespace) }
    }
}
