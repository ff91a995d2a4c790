#if canImport(Glibc)
import Glibc
#endif
import Base
import ProcFS
import Records
import SystemPackage

/// Confines the daemon after start-up, in two steps around loading its key and taking its lock:
/// `dropPrivileges` becomes the daemon's own system user (`isotrace`, made by `make install` and
/// the packages) and drops every capability but the two it needs to read other users' /proc
/// entries; `installFilters` then installs the seccomp allowlist (`SeccompFilter`) and checks
/// that it holds. `confine` does both (the confinement probe).
///
/// Kept, and why (measured: Tests/LiveTests/DaemonLiveTests.swift, `capabilitiesNeeded`, samples
/// another uid's process under `setpriv --bounding-set` with each set):
/// - CAP_SYS_PTRACE: ptrace_may_access(PTRACE_MODE_READ_FSCREDS) guards the `ns/*`, `cwd`, `exe`
///   and `root` links, `environ` and `mountinfo` of a process of another uid; without it they
///   are all refused (EACCES). The BPF sampler needs it too (measured: without it cwd and exe
///   are refused; the iterator gives namespaces, ids and capabilities), and so does ISO-CRED's
///   look through /proc/<pid>/root.
/// - CAP_DAC_READ_SEARCH: `environ` is mode 0400 owned by the process's uid, and root's bypass of
///   file modes is a capability; without it the environment (PanDA IDs) is refused. It also lets
///   ISO-CRED search other users' directories through `/proc/<pid>/root`.
/// Together they still let the daemon read another process's memory (/proc/<pid>/mem opens for
/// reading with the first, passes the ptrace check with the second): the kernel has no way to
/// grant the links without it. Writing is what the user switch takes away: /proc/<pid>/mem of a
/// root process, files under /etc and root-only sockets are refused by their owner and mode,
/// because CAP_DAC_OVERRIDE is gone and the daemon is no longer uid 0.
/// Not kept: CAP_DAC_OVERRIDE, CAP_KILL, CAP_SETUID (after the switch), CAP_SYS_ADMIN and the
/// rest; the bounding set loses them too, and the ambient and inheritable sets are emptied, so
/// nothing can regain them. capset(2) acts on the calling thread only, so confinement refuses to
/// go on if another thread still holds more.
public enum SelfConfinement {
    public static let kept: [Capability] = [.dacReadSearch, .sysPtrace]
    public static var keptMask: UInt64 { Capability.mask(kept) }
    /// Needed only until the user switch: dropped with it.
    static let switchingUser: [Capability] = [.setuid, .setgid]

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// What confinement did, for the log and the heartbeat.
    public struct Outcome: Sendable {
        public var effective: UInt64
        public var bounding: UInt64
        public var threads: Int
        /// The user the daemon runs as from now on (uid 0: it stayed root).
        public var uid: UInt32
        public var gid: UInt32
        public var userName: String?
        public var landlock: LandlockStatus = .notTried

        public init(effective: UInt64, bounding: UInt64, threads: Int, uid: UInt32, gid: UInt32, userName: String?) {
            self.effective = effective
            self.bounding = bounding
            self.threads = threads
            self.uid = uid
            self.gid = gid
            self.userName = userName
        }

        /// The heartbeat's `confinement` object.
        public var json: JSONValue {
            .object([
                JSONMember("user", userName.map(JSONValue.string) ?? .null),
                JSONMember("uid", DaemonRecords.integer(uid)),
                JSONMember("gid", DaemonRecords.integer(gid)),
                JSONMember("cap_eff", .string(Capability.hex(effective))),
                JSONMember("cap_bnd", .string(Capability.hex(bounding))),
                JSONMember("seccomp", .string("allowlist")),
                JSONMember("landlock", landlock.json),
            ])
        }
    }

    /// Drops capabilities, becomes `user` (nil or uid 0: stays root), installs the filters, runs
    /// the self-check. Throws when any step fails: the daemon then refuses to run.
    /// `sink` adds what shipping to a central database needs (a sink over TCP: AF_INET/AF_INET6).
    public static func confine(procRoot: String = "/proc", user: UserAccount? = nil, sink: SeccompFilter.SinkAccess = .none,
                               landlock: LandlockRuleset? = nil) throws(Failure) -> Outcome {
        try dropPrivileges(procRoot: procRoot, user: user)
        return try installFilters(procRoot: procRoot, sink: sink, landlock: landlock)
    }

    /// Step 1: the bounding set and the ambient set emptied of all but `kept`, the switch to
    /// `user` keeping the permitted set, then effective = permitted = kept.
    public static func dropPrivileges(procRoot: String = "/proc", user: UserAccount?) throws(Failure) {
        do {
            try dropCapabilities(procRoot: procRoot, user: user?.uid == 0 ? nil : user)
        } catch {
            throw Failure(description: "cannot drop privileges: \(error)")
        }
        let stray = threadsWithMoreCapabilities(procRoot: procRoot)
        guard stray.isEmpty else {
            // capset changes the calling thread only: a thread started before it keeps its set.
            throw Failure(description: "thread(s) \(stray.map(String.init).joined(separator: ", ")) still hold dropped capabilities")
        }
        if let user, user.uid != 0 {
            let ids = Syscalls.userIDs()
            guard ids.real == user.uid && ids.effective == user.uid && ids.saved == user.uid else {
                throw Failure(description: "the switch to \(user.name) did not hold: uids \(ids.real)/\(ids.effective)/\(ids.saved)")
            }
        }
    }

    /// Step 2: NoNewPrivs, the Landlock ruleset when given, the seccomp allowlist, the self-check.
    public static func installFilters(procRoot: String = "/proc", sink: SeccompFilter.SinkAccess = .none,
                                      landlock: LandlockRuleset? = nil) throws(Failure) -> Outcome {
        let threads = (try? threadCount(procRoot: procRoot)) ?? 0
        var landlockStatus = LandlockStatus.notTried
        do {
            _ = try Syscalls.prctl(38, 1)  // PR_SET_NO_NEW_PRIVS: Landlock and seccomp both need it
            if let landlock {
                let applied = try landlock.apply()
                landlockStatus = .applied(abi: landlock.abi, skipped: applied.skipped, uncovered: landlock.uncovered)
            }
        } catch {
            throw Failure(description: "cannot apply the Landlock ruleset: \(error)")
        }
        do {
            try SeccompFilter.install(sink: sink)
        } catch {
            throw Failure(description: "\(error)")
        }
        let problems = selfCheck(allowNetwork: sink.allowsNetwork)
        guard problems.isEmpty else {
            throw Failure(description: "confinement self-check failed: " + problems.joined(separator: "; "))
        }
        let status = (try? currentStatus(procRoot: procRoot))
        let ids = Syscalls.userIDs()
        var outcome = Outcome(effective: status?.capabilities.effective ?? 0, bounding: status?.capabilities.bounding ?? 0, threads: threads,
                              uid: ids.effective, gid: Syscalls.groupID(), userName: nil)
        outcome.landlock = landlockStatus
        return outcome
    }

    /// PR_CAPBSET_DROP for every capability not kept (needs CAP_SETPCAP, so before capset), then
    /// the ambient set cleared, then the switch to `user` (needs CAP_SETUID and CAP_SETGID, still
    /// effective), then capset: effective = permitted = kept (as far as held), no inheritable.
    /// Without CAP_SETPCAP (not root) the bounding set cannot shrink; what the process holds is
    /// still reduced.
    static func dropCapabilities(procRoot: String, user: UserAccount?) throws(SystemCallError) {
        let last = lastCapability(procRoot: procRoot)
        let status = try? currentStatus(procRoot: procRoot)
        let canDropBounding = Capability.setpcap.isSet(in: status?.capabilities.effective ?? 0)
        if canDropBounding {
            let keepUntilSwitch = kept + (user == nil ? [] : switchingUser)
            for capability in 0...last where !keepUntilSwitch.contains(where: { $0.number == capability }) {
                _ = try Syscalls.prctl(24, UInt(capability))  // PR_CAPBSET_DROP
            }
        }
        _ = try? Syscalls.prctl(47, 4)  // PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
        let held = status?.capabilities.permitted ?? 0
        if let user {
            try Syscalls.becomeUser(user)
            if canDropBounding {
                // The switch emptied the effective set (PR_SET_KEEPCAPS keeps the permitted one):
                // raised again just long enough to take CAP_SETUID/CAP_SETGID out of the bounding set.
                try Syscalls.capset(effective: held, permitted: held, inheritable: 0)
                for capability in switchingUser { _ = try Syscalls.prctl(24, UInt(capability.number)) }
            }
        }
        let keep = held & keptMask
        try Syscalls.capset(effective: keep, permitted: keep, inheritable: 0)
    }

    /// Tries what the filter must refuse; returns what was not refused with EPERM. Each probe is
    /// harmless if it did go through: socket(AF_INET) is closed at once, execve of /bin/true is
    /// given an invalid argv (the kernel returns EFAULT before replacing the process), and
    /// ptrace attaches to PID 0, which does not exist, prlimit only reads PID 1's CPU limit.
    public static func selfCheck(allowNetwork: Bool = false) -> [String] {
        var problems: [String] = []
        // AF_PACKET is refused in both modes; AF_INET too unless the sink needs it.
        for (domain, name) in [(AF_PACKET, "AF_PACKET")] + (allowNetwork ? [] : [(AF_INET, "AF_INET")]) {
            if let refusal = Syscalls.socketProbe(domain: domain, type: Int32(SOCK_DGRAM.rawValue)) {
                if refusal != .notPermitted { problems.append("socket(\(name)) failed with errno \(refusal.rawValue), not EPERM") }
            } else {
                problems.append("socket(\(name)) succeeded")
            }
        }

        let execErrno = Syscalls.executeWithInvalidArguments("/bin/true")
        if execErrno != .notPermitted { problems.append("execve(/bin/true) was not refused with EPERM (errno \(execErrno.rawValue))") }

        let ptraceErrno = Syscalls.ptraceAttach(0)
        if ptraceErrno != .notPermitted { problems.append("ptrace(PTRACE_ATTACH) was not refused with EPERM (errno \(ptraceErrno?.rawValue ?? 0))") }

        // prlimit64 only on itself: prlimit(pid, RLIMIT_CPU, 0) would end any process of any user.
        let otherLimit = Syscalls.prlimitProbe(pid: 1, set: false)
        if otherLimit != .notPermitted { problems.append("prlimit(1) was not refused with EPERM (errno \(otherLimit?.rawValue ?? 0))") }
        if let refusal = Syscalls.prlimitProbe(pid: 0, set: false) { problems.append("prlimit(0) refused (errno \(refusal.rawValue)): getrlimit would fail") }

        if let refusal = Syscalls.socketProbe(domain: AF_UNIX, type: Int32(SOCK_DGRAM.rawValue)) {
            problems.append("socket(AF_UNIX) refused (errno \(refusal.rawValue)): syslog would not work")
        }
        return problems
    }

    /// Why the daemon does not put itself under Landlock, though the ruleset exists
    /// (`LandlockRuleset`, applied and tested by `isotrace confinement-probe --landlock`): a
    /// Landlock domain refuses ptrace_may_access to every process outside it, in every mode
    /// (security/landlock/task.c; measured on Linux 6.18, ABI 7: readlink of another process's
    /// ns/pid, cwd and exe fails with EACCES, as does open of its mem). The audit reads exactly
    /// those links of every process: payload roots are recognised by their cwd, isolation by
    /// their namespaces. Applying it would blind the daemon, so it is reported, not applied;
    /// what it would have refused is refused by the user switch (writes) and seccomp.
    public static let landlockConflict = "a Landlock domain refuses ptrace access to every process outside it, "
        + "and the audit reads the ns/*, cwd, exe and root links of every process (payload roots, isolation); "
        + "writes are refused by the user switch and the seccomp allowlist instead"

    /// The Landlock status the daemon reports: what the kernel offers, and that it is not applied.
    public static func landlockDecision() -> LandlockStatus {
        switch LandlockStatus.offered() {
        case .abi(let abi): return .notApplied(abi: abi, reason: landlockConflict)
        case .none(let status): return status
        }
    }

    /// Threads of this process whose effective or permitted set holds more than `kept`.
    static func threadsWithMoreCapabilities(procRoot: String) -> [Int32] {
        guard let tasks = try? ProcTasks.list("\(procRoot)/self/task") else { return [] }
        var buffer: [UInt8] = []
        return tasks.filter { tid in
            guard let text = try? ProcText.read("\(procRoot)/self/task/\(tid)/status", into: &buffer),
                  let status = try? ProcessStatus.parse(Array(text.utf8)[...]) else { return false }
            return (status.capabilities.effective | status.capabilities.permitted) & ~keptMask != 0
        }
    }

    static func lastCapability(procRoot: String) -> Int {
        var buffer: [UInt8] = []
        let text = (try? ProcText.read("\(procRoot)/sys/kernel/cap_last_cap", into: &buffer)) ?? "40"
        return Int(text.filter { $0.isNumber }) ?? 40
    }

    static func currentStatus(procRoot: String) throws -> ProcessStatus {
        var buffer: [UInt8] = []
        let text = try ProcText.read("\(procRoot)/self/status", into: &buffer)
        return try ProcessStatus.parse(Array(text.utf8)[...])
    }

    static func threadCount(procRoot: String) throws -> Int {
        var buffer: [UInt8] = []
        let text = try ProcText.read("\(procRoot)/self/status", into: &buffer)
        let line = text.split(separator: "\n").first { $0.hasPrefix("Threads:") }
        return line.flatMap { Int($0.dropFirst(8).filter(\.isNumber)) } ?? 0
    }
}

/// Reads a small text file whole (for /proc/self/status and sysctls).
enum ProcText {
    static func read(_ path: String, into buffer: inout [UInt8]) throws(SystemCallError) -> String {
        let fd = try Syscalls.openFile(path, O_RDONLY)
        defer { Syscalls.closeFile(fd) }
        buffer = try Syscalls.readAll(fd, path: path, limit: 4096)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// The thread IDs under /proc/self/task.
enum ProcTasks {
    static func list(_ path: String) throws(SystemCallError) -> [Int32] {
        try Syscalls.listDirectory(path).compactMap { Int32($0) }
    }
}
