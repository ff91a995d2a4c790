#if canImport(Glibc)
import Glibc
#endif
import Base
import SystemPackage

/// One daemon per output directory: an exclusive, non-blocking flock on DIR/daemon.lock, held
/// for the daemon's life (the kernel releases it when the process dies, even by kill -9). The
/// file holds the holder's PID, so the refusal can name it.
public final class DaemonLock {
    public let path: String
    private var fd: FileDescriptor?

    public struct Held: Error, CustomStringConvertible {
        public var path: String
        public var holder: String?
        public var description: String {
            "another isotrace daemon\(holder.map { " (pid \($0))" } ?? "") is already running on this output directory: \(path) is locked"
        }
    }

    private init(path: String, fd: FileDescriptor) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Takes the lock or throws `Held` (another daemon) or `SystemCallError` (cannot open it).
    public static func acquire(outputDirectory: String) throws -> DaemonLock {
        let path = outputDirectory + "/daemon.lock"
        let fd = try Syscalls.openOrCreateStateFile(path, O_RDWR, mode: 0o644)
        do {
            guard try Syscalls.tryLock(fd, path: path) else {
                let text = String(decoding: (try? Syscalls.readAll(fd, path: path, limit: 4096)) ?? [], as: UTF8.self)
                let holder = text.split(separator: "\n").first.map(String.init)
                Syscalls.closeFile(fd)
                throw Held(path: path, holder: holder?.isEmpty == false ? holder : nil)
            }
            try Syscalls.truncate(fd, to: 0, path: path)
            try Syscalls.writeAll(fd, Array("\(Syscalls.processID())\n".utf8), path: path)
        } catch let error as SystemCallError {
            Syscalls.closeFile(fd)
            throw error
        }
        return DaemonLock(path: path, fd: fd)
    }

    public func release() {
        if let fd { Syscalls.closeFile(fd) }
        fd = nil
    }
}
