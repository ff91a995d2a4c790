#if canImport(Glibc)
import Glibc
#endif
import Base
import ProcFS

/// `mkdir -p` that makes each directory it creates durable (fsync of its parent), so a record
/// acknowledged in a new directory survives a power cut.
enum DirectoryPath {
    static func make(_ path: String, mode: mode_t) throws(SystemCallError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            let parent = prefix.isEmpty ? "/" : prefix
            prefix += "/" + component
            if component == "." || component == ".." { continue }
            if try Syscalls.makeDirectory(prefix, mode: mode) {
                try Syscalls.fsyncDirectory(parent)
            }
        }
    }
}
