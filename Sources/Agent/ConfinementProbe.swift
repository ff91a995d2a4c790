#if canImport(Glibc)
import Glibc
#endif
import Base
import ProcFS
import SystemPackage

/// Proof that the daemon's confinement holds, run in a process of its own (`isotrace
/// confinement-probe`, used by the tests): installs exactly the daemon's confinement (with
/// `user`, the switch to that user too; with `landlock`, the daemon's Landlock ruleset on top),
/// then tries what must fail, for real: socket(AF_INET), prlimit of another process,
/// fork, ptrace(PTRACE_ATTACH) of a live process, and execve of /bin/true (last: if it went through,
/// the probe would be replaced and print nothing more). A new thread, socket(AF_UNIX), prlimit of
/// itself and poll of a kept mountinfo (the mount table watch) must still work, and so must reading
/// the process event source (loaded before confinement, as the daemon does): a wait on its ring
/// buffer, which sees the probe's own failed execve, and its lost-event counter. The actions of issue 21's
/// finding 5 are tried inside the real daemon by the LD_PRELOAD escape probe
/// (Tests/LiveTests/EscapeProbe).
public enum ConfinementProbe {
    /// The Landlock part: the daemon's ruleset over `stateDirectory` and `policyPath`;
    /// `outsideFile` is a file to try to create outside it (the test removes it if it appears).
    public struct LandlockTrial: Sendable {
        public var stateDirectory: String
        public var policyPath: String
        public var outsideFile: String

        public init(stateDirectory: String, policyPath: String, outsideFile: String) {
            self.stateDirectory = stateDirectory
            self.policyPath = policyPath
            self.outsideFile = outsideFile
        }
    }

    /// Each probe's outcome: `ok` or the errno name (`EPERM`). `emit` gets them as they happen,
    /// because a successful execve ends the process.
    public static func run(ptracePID: Int32, user: UserAccount? = nil, landlock: LandlockTrial? = nil,
                           emit: (String, String) -> Void) throws(SelfConfinement.Failure) {
        var ruleset: LandlockRuleset?
        if let landlock {
            switch LandlockStatus.offered() {
            case .abi(let abi):
                ruleset = LandlockRuleset(abi: abi, policyPath: landlock.policyPath, stateDirectory: landlock.stateDirectory)
            case .none(let status):
                emit("landlock", "unavailable (\(status.summary))")
            }
        }
        // Loaded before confinement, as the daemon does.
        var events: ProcessEventCollector?
        do {
            events = ProcessEventCollector(source: try ProcessEventSource.open(ringBytes: 1 << 16))
        } catch {
            emit("process_events", "unavailable (\(error.reason))")
        }
        let outcome = try SelfConfinement.confine(user: user, landlock: ruleset)
        emit("confined", "ok")
        emit("uid", String(outcome.uid))
        emit("cap_eff", Capability.hex(outcome.effective))
        emit("socket_inet", name(Syscalls.socketProbe(domain: AF_INET, type: Int32(SOCK_STREAM.rawValue))))
        emit("socket_unix", name(Syscalls.socketProbe(domain: AF_UNIX, type: Int32(SOCK_DGRAM.rawValue))))
        // What the mount table watch does each cycle: poll a kept mountinfo.
        emit("poll_mountinfo", name(pollMountinfo()))
        if let events {
            emit("process_events_read", events.check() == nil ? "ok" : "failed: \(events.check() ?? "")")
            emit("process_events_lost_counter", events.source.lostEvents() == nil ? "unreadable" : "ok")
        }
        emit("prlimit_self", name(Syscalls.prlimitProbe(pid: 0, set: false)))
        emit("prlimit_own_pid", name(Syscalls.prlimitProbe(pid: Syscalls.processID(), set: false)))
        emit("prlimit_other", name(Syscalls.prlimitProbe(pid: ptracePID, set: true)))
        if let landlock, case .applied(let abi, _, _) = outcome.landlock {
            emit("landlock", "ABI \(abi)")
            emit("landlock_state_write", name(createAndRemove(landlock.stateDirectory + "/landlock-probe")))
            emit("landlock_policy_read", name(readable(landlock.policyPath)))
            emit("landlock_proc_read", name(readable("/proc/self/status")))
            emit("landlock_outside_create", name(createAndRemove(landlock.outsideFile)))
            emit("landlock_outside_read", name(readable("/etc/passwd")))
            // The reason the daemon does not apply it: the links the audit reads of every process.
            emit("landlock_other_ns_link", name(linkReadable("/proc/\(ptracePID)/ns/pid")))
            emit("landlock_other_cwd_link", name(linkReadable("/proc/\(ptracePID)/cwd")))
        }
        emit("thread", name(Syscalls.threadProbe()))
        emit("fork", name(Syscalls.forkProbe()))
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

    /// Creates `path` (O_EXCL) and removes it at once; nil when the creation worked.
    static func createAndRemove(_ path: String) -> Errno? {
        do {
            guard let fd = try Syscalls.createExclusive(path, O_WRONLY, mode: 0o600) else { return .fileExists }
            Syscalls.closeFile(fd)
            Syscalls.remove(path)
            return nil
        } catch {
            return error.errno
        }
    }

    static func readable(_ path: String) -> Errno? {
        do {
            let fd = try Syscalls.openFile(path, O_RDONLY)
            Syscalls.closeFile(fd)
            return nil
        } catch {
            return error.errno
        }
    }

    static func linkReadable(_ path: String) -> Errno? {
        do {
            _ = try Syscalls.readLink(at: nil, path, displayPath: path)
            return nil
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
        case EEXIST: return "EEXIST"
        default: return "errno \(code)"
        }
    }
}
