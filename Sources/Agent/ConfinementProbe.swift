#if canImport(Glibc)
import Glibc
#endif
import Base
import SystemPackage

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
        emit("socket_inet", name(Syscalls.socketProbe(domain: AF_INET, type: Int32(SOCK_STREAM.rawValue))))
        emit("socket_unix", name(Syscalls.socketProbe(domain: AF_UNIX, type: Int32(SOCK_DGRAM.rawValue))))
        // What the mount table watch does each cycle: poll a kept mountinfo.
        emit("poll_mountinfo", name(pollMountinfo()))
        emit("ptrace_attach", name(Syscalls.ptraceAttach(ptracePID)))
        emit("execve", name(Syscalls.execute("/bin/true", arguments: ["/bin/true"])))
    }

    /// Opens /proc/self/mountinfo and polls it as `MountTableWatch` does; nil when both worked.
    static func pollMountinfo() -> Errno? {
        do {
            let fd = try Syscalls.openFile("/proc/self/mountinfo", O_RDONLY)
            defer { Syscalls.closeFile(fd) }
            return Syscalls.poll(fd, events: Int16(POLLPRI))
        } catch {
            return error.errno
        }
    }

    /// `ok` for nil, else the errno's name.
    static func name(_ errno: Errno?) -> String {
        guard let errno else { return "ok" }
        return name(errno.rawValue)
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
