import Base
import SystemPackage

/// Results go to stdout, errors and progress to stderr (never mixed, so `| jq` always works).
/// Messages on stderr (errors, notices, progress) often quote a path, a PID's values or a record:
/// each of their lines goes through the one escaping rule, so no control sequence reaches the
/// terminal that way. Results on stdout are escaped value by value by their renderers (the tables
/// keep their own colours); JSON escapes by itself.
struct FileOutput {
    let descriptor: FileDescriptor
    var escapesEachLine = false

    static let standardOutput = FileOutput(descriptor: .standardOutput)
    static let standardError = FileOutput(descriptor: .standardError, escapesEachLine: true)

    /// Writes all of `text`, retrying short writes and EINTR. A closed pipe (EPIPE) is not worth
    /// a crash: the reader has gone away.
    func write(_ text: String) {
        let shown = escapesEachLine
            ? text.split(separator: "\n", omittingEmptySubsequences: false).map { PrintableText.escape(String($0)) }.joined(separator: "\n")
            : text
        _ = try? Syscalls.writeAll(descriptor, Array(shown.utf8))
    }
}
