#if canImport(Glibc)
import Glibc
#endif
import CProcShim

/// Proof that the daemon's filter holds, run in a process of its own (`isotrace
/// confinement-probe`, used by the tests): installs exactly the daemon's confinement, then tries
/// what must fail, for real: socket(AF_INET), ptrace(PTRACE_ATTACH) of a live process, and
/// execve of /bin/true (last: if it went through, the probe would be replaced and print nothing
/// more). socket(AF_UNIX) and poll of a kept mountinfo (the mount table watch) must still work.
public enum ConfinementProbe {
    /// Each probe's outcome: `ok` or the errno name (`EPERM`). `emit` gets them as they happen,
    /// because a successful execve ends the process.
    public static func run(ptracePID: Int32, emit: (String, String) -> Void) throws(SelfConfinement.Failure) {
        _ = try SelfConfinement.confine()
        emit("confined", "ok")
        let inet = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        emit("socket_inet", inet >= 0 ? "ok" : name(errno))
        if inet >= 0 { close(inet) }
        let unix = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        emit("socket_unix", unix >= 0 ? "ok" : name(errno))
        if unix >= 0 { close(unix) }
        // What the mount table watch does each cycle: poll a kept mountinfo.
        let mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        var entry = pollfd(fd: mountinfo, events: Int16(POLLPRI), revents: 0)
        let polled = mountinfo >= 0 ? poll(&entry, 1, 0) : -1
        emit("poll_mountinfo", polled >= 0 ? "ok" : name(errno))
        if mountinfo >= 0 { close(mountinfo) }
        let attach = isotrace_ptrace_attach(ptracePID)
        emit("ptrace_attach", attach == 0 ? "ok" : name(errno))
        let path = strdup("/bin/true")
        var argv: [UnsafeMutablePointer<CChar>?] = [path, nil]
        let result = execve("/bin/true", &argv, nil)
        emit("execve", result == 0 ? "ok" : name(errno))
        free(path)
    }

    static func name(_ code: Int32) -> String {
        switch code {
        case EPERM: return "EPERM"
        case EACCES: return "EACCES"
        case ESRCH: return "ESRCH"
        case ENOENT: return "ENOENT"
        default: return "errno \(code)"
        }
    }
}
