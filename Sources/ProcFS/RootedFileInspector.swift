/// Looks at files the way a process sees them: through `/proc/<pid>/root`, resolved by the
/// kernel inside that root (openat2 RESOLVE_IN_ROOT), so a symlink planted by a payload cannot
/// make isotrace look outside the payload's view. Used for pilot credentials (ISO-CRED) and
/// setuid runtimes on the host (NODE-SETUID).
public struct RootedFileInspector: Sendable {
    public var procRoot: String

    public init(procRoot: String = "/proc") { self.procRoot = procRoot }

    /// `path` as process `pid` sees it.
    public func inspect(path: String, throughPID pid: Int32) -> FileFacts {
        facts(path: path, root: "\(procRoot)/\(pid)/root", pid: pid)
    }

    /// `path` on the host this proc root belongs to (the proc root's parent directory).
    public func inspectHost(path: String) -> FileFacts {
        facts(path: path, root: NodeFactsReader(procRoot: procRoot).hostRoot, pid: 0)
    }

    /// Reads at most `limit` bytes of a regular file as process `pid` sees it: for evidence the
    /// pilot keeps in files (its log), never for credentials.
    public func read(path: String, throughPID pid: Int32, limit: Int) -> (facts: FileFacts, content: [UInt8]?) {
        let root = "\(procRoot)/\(pid)/root"
        do throws(SystemCallError) {
            guard let (status, content) = try Syscalls.readInRoot(root, path, limit: limit) else {
                return (FileFacts(path: path, viewedThroughPID: pid, exists: false), nil)
            }
            return (FileFacts(path: path, viewedThroughPID: pid, exists: true, uid: status.uid, gid: status.gid,
                              mode: status.mode & 0o7777, hasACL: status.hasACL), content)
        } catch {
            return (FileFacts(path: path, viewedThroughPID: pid, exists: false, error: "\(error.path): \(error.reason)"), nil)
        }
    }

    private func facts(path: String, root: String, pid: Int32) -> FileFacts {
        do throws(SystemCallError) {
            guard let status = try Syscalls.statusInRoot(root, path) else {
                return FileFacts(path: path, viewedThroughPID: pid, exists: false)
            }
            return FileFacts(path: path, viewedThroughPID: pid, exists: true, uid: status.uid, gid: status.gid,
                             mode: status.mode & 0o7777, hasACL: status.hasACL)
        } catch {
            return FileFacts(path: path, viewedThroughPID: pid, exists: false, error: "\(error.path): \(error.reason)")
        }
    }
}
