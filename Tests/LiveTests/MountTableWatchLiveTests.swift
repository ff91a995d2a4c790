import Foundation
import ProcFS
import TestSupport
import Testing

/// The daemon's mount table watch on a real mount namespace: an unchanged table is not read
/// again, a mount in the namespace is seen in the next sample, and the namespace is let go once
/// its last process is gone (the open mountinfo would otherwise keep it alive).
struct MountTableWatchLiveTests {
    static func mountNamespace(_ pid: pid_t) -> UInt64? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt"),
              let open = target.firstIndex(of: "["), let close = target.lastIndex(of: "]") else { return nil }
        return UInt64(target[target.index(after: open)..<close])
    }

    @Test(.enabled(if: LiveRequirements.isRoot, "needs root: unshare of a mount namespace and a mount inside it"),
          .enabled(if: LiveRequirements.hasUnshare, "needs /usr/bin/unshare (util-linux)"),
          .enabled(if: Executables.isExecutable("/usr/bin/nsenter"), "needs /usr/bin/nsenter (util-linux)"))
    func aChangedTableIsReadAgainAnUnchangedOneIsNot() throws {
        let ours = try #require(Self.mountNamespace(getpid()))
        let child = try ChildProcess(["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sleep", "120"])
        defer { child.stop() }
        let namespace = try #require(child.waitFor { Self.mountNamespace(child.pid).flatMap { $0 != ours ? $0 : nil } })

        let sampler = Sampler.procfs().watchingMountTables()
        let watch = try #require(sampler.mountWatch)
        func table(_ snapshot: Snapshot) -> MountNamespaceSample? { snapshot.mountNamespaces.first { $0.inode == namespace } }
        func known(_ snapshot: Snapshot) -> [Int32: ProcessSample] {
            Dictionary(snapshot.processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let first = try sampler.sample()
        let before = try #require(table(first))
        #expect(before.readThroughPID == child.pid)
        #expect(watch.namespaces.contains(namespace) && watch.namespaces.contains(ours))
        let readAtFirst = watch.tablesRead

        // Nothing mounted: the child's table comes from the watch, not from /proc.
        let second = try sampler.sample(reusing: known(first))
        #expect(table(second) == before)
        let readAtSecond = watch.tablesRead
        #expect(readAtSecond - readAtFirst < first.mountNamespaces.count, "some tables were taken over unread")

        let mount = try Command.run(["/usr/bin/nsenter", "--mount=/proc/\(child.pid)/ns/mnt", "/bin/mount", "-t", "tmpfs", "isotrace-watch", "/tmp"])
        try #require(mount.status == 0, "\(mount.description)")
        let third = try sampler.sample(reusing: known(second))
        let after = try #require(table(third))
        #expect(after.mounts?.contains { $0.mountPoint == "/tmp" && $0.fsType == "tmpfs" && $0.source == "isotrace-watch" } == true)
        #expect(before.mounts?.contains { $0.source == "isotrace-watch" } == false)
        #expect(watch.tablesRead > readAtSecond)

        child.stop()
        let fourth = try sampler.sample(reusing: known(third))
        #expect(table(fourth) == nil)
        #expect(!watch.namespaces.contains(namespace), "the ended namespace's mountinfo is closed")
    }
}
