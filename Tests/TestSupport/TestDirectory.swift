import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under the system's temporary directory for one test, removed by `remove()`
/// (call it in `defer`).
public struct TestDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "isotrace-test") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
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
