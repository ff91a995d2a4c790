import Base

/// The node's own files as the sink uses them (the ship cursor replaced durably; segments are read
/// with `LineReader`), with `Syscalls`' errors worded as the sink reports them: `path: reason`.
enum LocalFile {
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
