import Base

/// Where an HTML report goes: a file (default in the state directory, written whole or not at all) or,
/// for `--output -`, stdout. The path is said on stderr, so stdout stays the result.
enum ReportFile {
    static func write(_ html: String, to path: String, what: String) throws {
        if path == "-" {
            FileOutput.standardOutput.write(html)
            return
        }
        // Mode 0640 like the segments whose facts it shows, whatever the umask; no link followed.
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        do {
            try Syscalls.makeDirectories(directory.isEmpty ? "/" : directory, mode: 0o750)
            try Syscalls.replaceDurably(path, with: Array(html.utf8), directory: directory.isEmpty ? "/" : directory, mode: 0o640)
        } catch {
            FileOutput.standardError.write("isotrace: error: cannot write \(what) to \(path): \(error.description)\n")
            throw ExitCodeError.operational
        }
        let size = html.utf8.count
        let shown = size >= 10_240 ? "\(size / 1024) KB" : "\(size) bytes"
        FileOutput.standardError.write("isotrace: wrote \(what) \(path) (\(shown))\n")
    }
}
