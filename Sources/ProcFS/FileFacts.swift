/// What a file looks like from inside a process's root: enough to decide who may read it.
public struct FileFacts: Sendable, Equatable {
    public var path: String
    /// The process whose root (`/proc/<pid>/root`) the path was resolved in.
    public var viewedThroughPID: Int32
    public var exists: Bool
    public var uid: UInt32
    public var gid: UInt32
    /// Permission bits (st_mode & 0o7777).
    public var mode: UInt32
    public var isSetUID: Bool { mode & 0o4000 != 0 }
    /// A POSIX ACL is attached: mode bits alone do not decide access.
    public var hasACL: Bool
    /// Why the file could not be inspected (permission, process gone), when it could not.
    public var error: String?

    public init(path: String, viewedThroughPID: Int32, exists: Bool, uid: UInt32 = 0, gid: UInt32 = 0, mode: UInt32 = 0,
                hasACL: Bool = false, error: String? = nil) {
        self.path = path
        self.viewedThroughPID = viewedThroughPID
        self.exists = exists
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.hasACL = hasACL
        self.error = error
    }
}
