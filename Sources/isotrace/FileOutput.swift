import Base
import SystemPackage

/// Results go to stdout, errors and progress to stderr (never mixed, so `| jq` always works).
struct FileOutput {
    let descriptor: FileDescriptor

    static let standardOutput = FileOutput(descriptor: .standardOutput)
    static let standardError = FileOutput(descriptor: .standardError)

    /// Writes all of `text`, retrying short writes and EINTR. A closed pipe (EPIPE) is not worth
    /// a crash: the reader has gone away.
    func write(_ text: String) {
        _ = try? Syscalls.writeAll(descriptor, Array(text.utf8))
    }
}
