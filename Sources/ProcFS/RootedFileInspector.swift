import Base

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

    /// Several paths as process `pid` sees them, through one open of its root.
    public func inspect(paths: [String], throughPID pid: Int32) -> [FileFacts] {
        let root = "\(procRoot)/\(pid)/root"
        do throws(SystemCallError) {
            return try Syscalls.withRoot(root) { rootFD in
                paths.map { path in
                    do throws(SystemCallError) {
                        return Self.facts(try Syscalls.statusInRoot(rootFD, root, path), path: path, pid: pid)
                    } catch {
                        return FileFacts(path: path, viewedThroughPID: pid, exists: false, error: "\(error.path): \(error.reason)")
                    }
                }
            }
        } catch {
            return paths.map { FileFacts(path: $0, viewedThroughPID: pid, exists: false, error: "\(error.path): \(error.reason)") }
        }
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

    private static func facts(_ status: FileStatus?, path: String, pid: Int32) -> FileFacts {
        guard let status else { return FileFacts(path: path, viewedThroughPID: pid, exists: false) }
        return FileFacts(path: path, viewedThroughPID: pid, exists: true, uid: status.uid, gid: status.gid,
                         mode: status.mode & 0o7777, hasACL: status.hasACL)
    }

    private func facts(path: String, root: String, pid: Int32) -> FileFacts {
        do throws(SystemCallError) {
            return Self.facts(try Syscalls.statusInRoot(root, path), path: path, pid: pid)
        } catch {
            return FileFacts(path: path, viewedThroughPID: pid, exists: false, error: "\(error.path): \(error.reason)")
        }
    }
}
