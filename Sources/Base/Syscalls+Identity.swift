import Glibc
import CProcShim
import SystemPackage

/// A user account as the system's user database (NSS: /etc/passwd, sssd, ...) gives it.
public struct UserAccount: Sendable, Equatable {
    public var name: String
    public var uid: uid_t
    public var gid: gid_t

    public init(name: String, uid: uid_t, gid: gid_t) {
        self.name = name
        self.uid = uid
        self.gid = gid
    }
}

/// Who the process is and who it becomes: the user database, the switch to the daemon's own
/// system user (keeping chosen capabilities), and Landlock.
extension Syscalls {
    /// The account named `name`, or nil when there is none (getpwnam_r(3)).
    public static func userAccount(named name: String) throws(SystemCallError) -> UserAccount? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var size = 4096
        while true {
            let code = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                getpwnam_r(name, &entry, buffer.baseAddress!, size, &result)
            }
            if code == ERANGE && size < 1 << 20 { size *= 4; continue }
            if code != 0 && code != ENOENT && code != ESRCH { throw SystemCallError(operation: "getpwnam", path: name, errno: Errno(rawValue: code)) }
            guard result != nil else { return nil }
            return UserAccount(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
        }
    }

    /// Becomes `account` for good (real, effective and saved uid and gid; no supplementary
    /// groups) while keeping the permitted capabilities (PR_SET_KEEPCAPS), which the caller then
    /// narrows with capset: the kernel empties the effective set on the switch. glibc applies the
    /// id changes to every thread of the process. Needs CAP_SETUID and CAP_SETGID.
    public static func becomeUser(_ account: UserAccount) throws(SystemCallError) {
        _ = try prctl(8, 1)  // PR_SET_KEEPCAPS
        guard setgroups(0, nil) == 0 else { throw lastError("setgroups", account.name) }
        guard isotrace_set_group(account.gid) == 0 else { throw lastError("setresgid", "\(account.name) (gid \(account.gid))") }
        guard isotrace_set_user(account.uid) == 0 else { throw lastError("setresuid", "\(account.name) (uid \(account.uid))") }
        _ = try prctl(8, 0)
    }

    /// The real, effective and saved uid (getresuid(2)).
    public static func userIDs() -> (real: uid_t, effective: uid_t, saved: uid_t) {
        var real: UInt32 = 0, effective: UInt32 = 0, saved: UInt32 = 0
        _ = isotrace_get_user_ids(&real, &effective, &saved)
        return (real, effective, saved)
    }

    /// The effective gid (getegid(2)).
    public static func groupID() -> gid_t { getegid() }

    /// The Landlock ABI version the kernel offers, or why there is none (ENOSYS: not built in;
    /// EOPNOTSUPP: built in but not enabled at boot, `lsm=` lacks it).
    public static func landlockABI() -> Result<Int, Errno> {
        let version = isotrace_landlock_abi()
        return version > 0 ? .success(Int(version)) : .failure(Errno(rawValue: errno))
    }

    /// A Landlock ruleset handling these rights (the kernel's bit masks), sized for `abi`.
    public static func landlockRuleset(abi: Int, filesystem: UInt64, network: UInt64, scoped: UInt64) throws(SystemCallError) -> FileDescriptor {
        let fd = isotrace_landlock_create_ruleset(Int32(abi), filesystem, network, scoped)
        guard fd >= 0 else { throw lastError("landlock_create_ruleset", "ABI \(abi)") }
        return FileDescriptor(rawValue: fd)
    }

    /// Allows `access` beneath `path` (a directory, or just that file) in `ruleset`.
    public static func landlockAllow(_ ruleset: FileDescriptor, path: String, access: UInt64) throws(SystemCallError) {
        let anchor = retrying { isotrace_open_path(path) }
        guard anchor >= 0 else { throw lastError("open", path) }
        defer { _ = close(anchor) }
        guard isotrace_landlock_allow_path(ruleset.rawValue, anchor, access) == 0 else { throw lastError("landlock_add_rule", path) }
    }

    /// Enforces `ruleset` on the calling thread (and what it starts later); NoNewPrivs must be set.
    public static func landlockRestrictSelf(_ ruleset: FileDescriptor) throws(SystemCallError) {
        guard isotrace_landlock_restrict_self(ruleset.rawValue) == 0 else { throw lastError("landlock_restrict_self", "self") }
    }

    /// prlimit(2) of `pid`'s RLIMIT_CPU (`set`: to unlimited, harmless); nil when allowed, else
    /// the errno (a confinement probe).
    public static func prlimitProbe(pid: Int32, set: Bool) -> Errno? {
        isotrace_prlimit_cpu(pid, set ? 1 : 0) == 0 ? nil : Errno(rawValue: errno)
    }
}
