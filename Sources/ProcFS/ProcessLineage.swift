import Base
#if canImport(Glibc)
import Glibc
#endif

/// Who is whose parent among the processes alive now, from `/proc/<pid>/stat` alone (world
/// readable, one small read each): taken when the process event source starts, so that the
/// ancestry of what it sees later reaches processes that started before it, even those that end
/// before the first sample reads them.
public enum ProcessLineage {
    /// Each process with its real parent (pid and start ticks), by the same clock as `ProcessIdentity`.
    public struct Link: Sendable, Hashable {
        public var pid: Int32
        public var startTicks: UInt64
        public var parentPID: Int32
        public var parentStartTicks: UInt64?

        public init(pid: Int32, startTicks: UInt64, parentPID: Int32, parentStartTicks: UInt64?) {
            self.pid = pid
            self.startTicks = startTicks
            self.parentPID = parentPID
            self.parentStartTicks = parentStartTicks
        }
    }

    /// The links of every process under `procRoot` (vanished processes are left out).
    public static func read(procRoot: String = "/proc") -> [Link] {
        guard let names = try? Syscalls.listDirectory(procRoot) else { return [] }
        var stats: [(pid: Int32, ppid: Int32, start: UInt64)] = []
        stats.reserveCapacity(names.count)
        for name in names {
            guard let pid = Int32(name) else { continue }
            let path = "\(procRoot)/\(name)/stat"
            guard let fd = try? Syscalls.openFile(path, O_RDONLY) else { continue }
            defer { Syscalls.closeFile(fd) }
            guard let bytes = try? Syscalls.readAll(fd, path: path, limit: 4096),
                  let stat = try? ProcessStat.parse(bytes[...]) else { continue }
            stats.append((pid, stat.ppid, stat.startTicks))
        }
        var starts: [Int32: UInt64] = [:]
        for entry in stats { starts[entry.pid] = entry.start }
        return stats.map { Link(pid: $0.pid, startTicks: $0.start, parentPID: $0.ppid, parentStartTicks: starts[$0.ppid]) }
    }
}
