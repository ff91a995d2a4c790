import Base

/// The node's own files as the sink uses them (segments read from a byte offset, the ship cursor
/// replaced durably), with `Syscalls`' errors worded as the sink reports them: `path: reason`.
enum LocalFile {
    /// The bytes of `path` from `offset` to its end (or `length` of them); nil when it does not exist.
    static func read(_ path: String, from offset: Int64, length: Int64? = nil) throws(SinkError) -> [UInt8]? {
        do {
            return try Syscalls.readRange(path, from: offset, length: length, followingLinks: false)
        } catch where error.errno == .noSuchFileOrDirectory && error.operation == "open" {
            return nil
        } catch {
            throw sinkError(error)
        }
    }

    /// Replaces `path` with `bytes` (`Syscalls.replaceDurably`), mode 0640.
    static func replaceDurably(_ path: String, with bytes: [UInt8], directory: String) throws(SinkError) {
        do {
            try Syscalls.replaceDurably(path, with: bytes, directory: directory, mode: 0o640)
        } catch {
            throw sinkError(error)
        }
    }

    /// `path: reason` for opening, reading and writing; `path: call: reason` for fsync and rename.
    static func sinkError(_ error: SystemCallError) -> SinkError {
        switch error.operation {
        case "open", "read", "write", "fstat": return .local("\(error.path): \(error.errno)")
        default: return .local("\(error.path): \(error.operation): \(error.errno)")
        }
    }
}
