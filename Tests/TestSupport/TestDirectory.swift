import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under the system's temporary directory for one test, removed by `remove()`
/// (call it in `defer`). Made by mkdtemp(3) as `PREFIX.XXXXXX`: unique, and short enough for the
/// Unix sockets PostgreSQL and Slurm put inside (a socket path has 108 bytes).
public struct TestDirectory: Sendable {
    public let path: String

    /// `mode`: 0755 lets the servers and payloads the tests run under other uids in; 0700 keeps
    /// them out. Set explicitly, so the test process's umask does not decide it.
    public init(_ prefix: String = "isotrace-test", mode: mode_t = 0o755) throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/\(prefix).XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else {
            throw SpawnError(message: "mkdtemp \(FileManager.default.temporaryDirectory.path)/\(prefix).XXXXXX: \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard chmod(path, mode) == 0 else {
            let reason = String(cString: strerror(errno))
            rmdir(path)
            throw SpawnError(message: "chmod \(path): \(reason)")
        }
    }

    public var url: URL { URL(fileURLWithPath: path) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` inside the directory; returns its path.
    @discardableResult
    public func write(_ text: String, _ name: String) throws -> String {
        let file = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}
