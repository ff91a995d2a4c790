#if canImport(Glibc)
import Glibc
#endif

/// The only place CentralStore talks to the kernel: reading segments from an offset and writing
/// the ship cursor durably. Errors name the path.
enum Syscalls {
    static func reason() -> String { String(cString: strerror(errno)) }

    /// The bytes of `path` from `offset` to its end (or `length` of them); nil when it does not exist.
    static func read(_ path: String, from offset: Int64, length: Int64? = nil) throws(SinkError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { return nil }
        guard fd >= 0 else { throw .local("\(path): \(reason())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .local("\(path): \(reason())") }
        let available = max(Int64(info.st_size) - offset, 0)
        let count = Int(min(length ?? available, available))
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw .local("\(path): \(reason())") }
            if got == 0 { break }
            done += got
        }
        return Array(bytes[0..<done])
    }

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
