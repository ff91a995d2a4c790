#if canImport(Glibc)
import Glibc
#endif

/// The only place CentralStore talks to the kernel: writing the ship cursor durably (segments are
/// read through Records' `SegmentLineReader`). Errors name the path.
enum Syscalls {
    static func reason() -> String { String(cString: strerror(errno)) }

    /// Replaces `path` with `bytes`: a temporary file written and fsynced, renamed over it, and
    /// the directory fsynced, so a crash leaves the old or the new content, never half.
    static func replaceDurably(_ path: String, with bytes: [UInt8], directory: String) throws(SinkError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .local("\(temporary): \(reason())") }
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else {
                let why = reason()
                close(fd)
                unlink(temporary)
                throw .local("\(temporary): \(why)")
            }
            done += wrote
        }
        guard fsync(fd) == 0 else {
            let why = reason()
            close(fd)
            throw .local("\(temporary): fsync: \(why)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw .local("\(path): rename: \(reason())") }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}
