import Glibc
import CProcShim
import SystemPackage

/// The state directory's files (records, segments, locks, keys, the index, metrics, reports), as
/// ssh's StrictModes treats a user's ~/.ssh: no symbolic link is ever followed on the way to one
/// (openat2 RESOLVE_NO_SYMLINKS, so a link planted as `records`, `.lock` or a segment fails with
/// ELOOP instead of making root write elsewhere), files are created with an explicit mode
/// whatever the umask, and a directory holding them must belong to the user running isotrace
/// (or root, or the `isotrace` system user the daemon runs as) and be writable by nobody else.
/// What root creates in the isotrace user's directory is given to that user (`ownerToHandOver`).
extension Syscalls {
    /// open(2) of a state file, following no symbolic link in any component of `path`.
    /// `mode` applies when O_CREAT creates the file.
    public static func openStateFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(SystemCallError) -> FileDescriptor {
        let fd = retrying { isotrace_open_no_symlinks(AT_FDCWD, path, flags, UInt32(mode)) }
        guard fd >= 0 else { throw lastError("open", path) }
        return FileDescriptor(rawValue: fd)
    }

    /// Creates a new state file (O_CREAT | O_EXCL, no link followed) with exactly `mode`
    /// (fchmod after creation, so a umask of 000 cannot widen it); nil when it already exists.
    public static func createStateFile(_ path: String, _ flags: Int32, mode: mode_t) throws(SystemCallError) -> FileDescriptor? {
        let fd = retrying { isotrace_open_no_symlinks(AT_FDCWD, path, flags | O_CREAT | O_EXCL, UInt32(mode)) }
        if fd < 0 && errno == EEXIST { return nil }
        guard fd >= 0 else { throw lastError("open", path) }
        let descriptor = FileDescriptor(rawValue: fd)
        do throws(SystemCallError) {
            try setMode(descriptor, mode, path: path)
            if let owner = ownerToHandOver(path) {
                guard fchown(fd, owner.uid, owner.gid) == 0 else { throw lastError("fchown", path) }
            }
        } catch {
            closeFile(descriptor)
            throw error
        }
        return descriptor
    }

    /// Opens an existing state file (no link followed); nil when it does not exist.
    public static func openExistingStateFile(_ path: String, _ flags: Int32) throws(SystemCallError) -> FileDescriptor? {
        let fd = retrying { isotrace_open_no_symlinks(AT_FDCWD, path, flags & ~O_CREAT, 0) }
        if fd < 0 && errno == ENOENT { return nil }
        guard fd >= 0 else { throw lastError("open", path) }
        return FileDescriptor(rawValue: fd)
    }

    /// Opens a state file, creating it with exactly `mode` when missing (`createStateFile`).
    public static func openOrCreateStateFile(_ path: String, _ flags: Int32, mode: mode_t) throws(SystemCallError) -> FileDescriptor {
        while true {
            if let fd = try openExistingStateFile(path, flags & ~(O_CREAT | O_EXCL)) { return fd }
            if let fd = try createStateFile(path, flags & ~O_CREAT, mode: mode) { return fd }
        }
    }

    /// Root creating a file or directory in a directory another user owns (which the checks
    /// below allow only for the `isotrace` system user's state directory) gives it to that user
    /// and the directory's group: the daemon runs as that user and must go on appending to the
    /// segments and updating the index that `sudo isotrace audit --record`, `prune`, `keygen` or
    /// a rebuilt index made. nil: keep the creator's owner (not root, or a root-owned directory).
    static func ownerToHandOver(_ path: String) -> (uid: uid_t, gid: gid_t)? {
        guard geteuid() == 0 else { return nil }
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        var info = stat()
        guard retrying({ lstat(parent, &info) }) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid != 0 else { return nil }
        return (info.st_uid, info.st_gid)
    }

    /// A directory `makeDirectories` just created, handed over as `ownerToHandOver` says.
    static func handOverDirectory(_ path: String) throws(SystemCallError) {
        guard let owner = ownerToHandOver(path) else { return }
        guard retrying({ lchown(path, owner.uid, owner.gid) }) == 0 else { throw lastError("lchown", path) }
    }

    /// What lstat(2) says of `path`: nil when it does not exist.
    public static func linkStatus(of path: String) throws(SystemCallError) -> (type: mode_t, uid: uid_t, mode: mode_t)? {
        var info = stat()
        if retrying({ lstat(path, &info) }) == 0 { return (info.st_mode & S_IFMT, info.st_uid, info.st_mode & 0o7777) }
        if errno == ENOENT { return nil }
        throw lastError("lstat", path)
    }

    /// Refuses a state, records or key directory that another user could change, as ssh's
    /// StrictModes refuses ~/.ssh: `path` must be a real directory (reached without following a
    /// link), owned by the user running isotrace, by root or by the `isotrace` system user, and writable by neither group nor
    /// others. Throws `UnsafeStateDirectory` naming it and why.
    public static func checkPrivateDirectory(_ path: String) throws {
        let fd = retrying { isotrace_open_no_symlinks(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0) }
        guard fd >= 0 else {
            let error = lastError("open", path)
            if error.errno == .tooManySymbolicLinkLevels || error.errno == .notDirectory {
                throw UnsafeStateDirectory(path: path, reason: "is a symbolic link or passes through one, or is not a directory")
            }
            throw error
        }
        defer { _ = close(fd) }
        var info = stat()
        guard retrying({ fstat(fd, &info) }) == 0 else { throw lastError("fstat", path) }
        let user = geteuid()
        if info.st_uid != user && info.st_uid != 0 && info.st_uid != serviceUserID() {
            throw UnsafeStateDirectory(path: path, reason: "is owned by uid \(info.st_uid), not by uid \(user) (the user running isotrace), "
                + "root or the isotrace system user; another user could replace its files: chown \(user) \(path)")
        }
        let mode = info.st_mode & 0o7777
        if mode & 0o022 != 0 {
            throw UnsafeStateDirectory(path: path, reason: "is writable by \(mode & 0o002 != 0 ? "others" : "its group") (mode \(String(mode, radix: 8))); "
                + "another user could replace its files: chmod go-w \(path)")
        }
    }
}

extension Syscalls {
    /// The uid of the `isotrace` system user the daemon runs as (made by `make install` and the
    /// packages), nil when there is none. Its state directory belongs to it, and root's commands
    /// (verify, query, prune, keygen) must accept that: it is trusted as root is, since it is
    /// the daemon that writes the records in the first place.
    public static func serviceUserID() -> uid_t? {
        (try? userAccount(named: "isotrace"))?.uid
    }
}

/// A state, records or key directory that another user could change (see
/// `Syscalls.checkPrivateDirectory`): isotrace refuses to read keys from it or write records into it.
public typealias UnsafeStateDirectory = PathError<UnsafeStateDirectoryKind>

/// The kind of `UnsafeStateDirectory`.
public enum UnsafeStateDirectoryKind: PathErrorKind {
    public static var consequence: String { "; refusing to use it" }
}
