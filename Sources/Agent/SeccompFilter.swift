#if canImport(Glibc)
import Glibc
#endif
import Base
import CSeccomp
import ProcFS

/// The daemon's seccomp allowlist, built with libseccomp: every syscall not listed fails with
/// EPERM. execve/execveat, ptrace, kill and the other ways to act on other processes are not
/// listed; `socket` is allowed only with domain AF_UNIX (an argument comparison on its first
/// argument), so syslog over /dev/log works and no network socket can be made; `prctl`,
/// `tgkill`, `prlimit64` and `ioctl` only with the conditions in `conditional` (prlimit64 on its own
/// process only: `prlimit(pid, RLIMIT_CPU, 0)` ends another process as surely as kill). `clone`
/// makes threads only (CLONE_THREAD set): code running inside the daemon cannot start a process,
/// not even a fork of itself. `clone3` fails with ENOSYS, as on a kernel without it: its flags
/// are in memory a filter cannot read, and glibc then starts threads with `clone`.
///
/// The list is what the daemon loop was seen to need with `strace -f -c` (sampling /proc,
/// policy and key files, the record chain with flock and fsync, the SQLite index, metrics,
/// syslog, signals, swift-log), plus what the Swift runtime and glibc use on their own
/// (memory, futexes, thread start, time).
public enum SeccompFilter {
    public static let allowed: [String] = [
        // files and /proc
        "read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat", "openat2", "close", "close_range",
        "fstat", "newfstatat", "stat", "lstat", "statx", "statfs", "fstatfs", "lseek", "readlink", "readlinkat",
        "getdents64", "access", "faccessat", "faccessat2", "getxattr", "lgetxattr", "fgetxattr", "fcntl", "flock", "fsync", "fdatasync",
        // kept mountinfo files: poll tells which mount tables changed (MountTableWatch)
        "poll", "ppoll",
        "ftruncate", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "fchmod", "fchown",
        "getcwd", "umask", "dup", "dup3",
        // memory and threads (the Swift runtime, Foundation, glibc)
        "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "futex", "set_robust_list", "rseq",
        "sched_yield", "sched_getaffinity", "getrlimit", "membarrier",
        // signals and time
        "rt_sigprocmask", "rt_sigtimedwait", "rt_sigaction", "rt_sigreturn", "sigaltstack", "clock_gettime",
        // the kernel resumes an interrupted wait with it after SIGSTOP/SIGCONT or a debugger's attach
        "restart_syscall",
        "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
        // identity
        "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid",
        "capget", "getrandom", "uname", "sysinfo",
        // syslog (socket itself is added with its AF_UNIX condition)
        "connect", "sendto", "sendmsg", "getsockopt", "getsockname",
        // libdispatch worker threads (GRDB queues): their event loop; epoll_wait is also all that
        // reading the process event source's ring buffer takes (libbpf's ring_buffer__poll; the
        // ring is mapped, its epoll set made, before confinement)
        "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "eventfd2", "pipe2",
        "timerfd_create", "timerfd_settime", "timerfd_gettime",
        // SQLite asks for extended attributes of its files
        "listxattr", "llistxattr", "flistxattr",
        "exit", "exit_group",
    ]

    /// Added only when the daemon ships records to a central database (`--sink`): what
    /// postgres-nio (SwiftNIO's event loop threads) and glibc's resolver use, seen with
    /// `strace -f -c`. socket itself is added for AF_INET and AF_INET6 only when the sink is
    /// reached over TCP, as conditional rules; a sink on a Unix socket needs no network at all.
    public static let sink: [String] = [
        "epoll_create", "epoll_pwait2", "setpriority", "setsockopt", "getpeername", "shutdown", "recvfrom", "recvmsg",
        "sendmmsg", "recvmmsg",
    ]

    /// What `--sink` needs from the filter.
    public enum SinkAccess: Sendable {
        case none
        /// A sink on a Unix socket (`?host=/run/postgresql`): NIO's syscalls, no network socket.
        case unixSocket
        /// A sink over TCP: NIO's syscalls and AF_INET/AF_INET6 sockets.
        case network

        var syscalls: [String] { self == .none ? [] : SeccompFilter.sink }
        var allowsNetwork: Bool { self == .network }
    }

    /// A syscall allowed only when its argument `argument` equals `value` (with `mask`: when its
    /// bits under the mask do, for an argument the kernel reads as 32 bits, so that high bits
    /// set by the caller cannot make a refused value look like another).
    public struct Conditional: Sendable {
        public var name: String
        public var argument: UInt32
        public var value: UInt64
        public var condition: String
        public var mask: UInt64? = nil
    }

    /// clone's CLONE_THREAD flag: the rule lets through only clones that make a thread.
    static let cloneThread: UInt64 = 0x0001_0000

    /// Syscalls that fail with ENOSYS rather than EPERM, so that glibc falls back to an older
    /// call the filter can judge: clone3 (flags in a struct in memory) to clone (flags in a register).
    public static let unsupported: [(name: String, reason: String)] = [
        ("clone3", "fails with ENOSYS: its flags are in memory the filter cannot read; glibc then makes threads with clone"),
    ]

    /// The ioctl requests the daemon makes (isatty's TCGETS, seen with strace) and a few harmless
    /// ones of the same kind; every other request is refused, TIOCSTI (typing into the terminal
    /// of whoever started the daemon by hand) and TIOCLINUX first.
    static let ioctlRequests: [(UInt64, String)] = [
        (0x5401, "TCGETS"), (0x5413, "TIOCGWINSZ"), (0x541B, "FIONREAD"), (0x5421, "FIONBIO"), (0x5451, "FIOCLEX"),
    ]

    /// socket: AF_UNIX only (syslog; no network). prctl: PR_SET_NAME only (libdispatch names its
    /// threads; no capability or securebit changes). tgkill: this process's own threads only (the
    /// Swift runtime's crash handler suspends threads with it; no signal to anyone else).
    public static func conditional(ownPID: Int32 = Syscalls.processID(), sink: SinkAccess = .none) -> [Conditional] {
        [
            Conditional(name: "socket", argument: 0, value: UInt64(AF_UNIX), condition: "domain AF_UNIX only"),
            Conditional(name: "prctl", argument: 0, value: 15, condition: "PR_SET_NAME only"),
            Conditional(name: "clone", argument: 0, value: cloneThread, condition: "CLONE_THREAD set: threads only, no new process", mask: cloneThread),
            Conditional(name: "tgkill", argument: 0, value: UInt64(ownPID), condition: "own threads only (tgid \(ownPID))"),
            Conditional(name: "prlimit64", argument: 0, value: 0, condition: "pid 0 (itself) only"),
            Conditional(name: "prlimit64", argument: 0, value: UInt64(ownPID), condition: "own pid \(ownPID) only"),
            Conditional(name: "bpf", argument: 0, value: 33, condition: "BPF_ITER_CREATE only (a pass of the task iterator loaded before confinement)"),
            Conditional(name: "bpf", argument: 0, value: 1, condition: "BPF_MAP_LOOKUP_ELEM only (the iterator's count of the tasks it saw, the process event source's count of events lost)"),
        ] + ioctlRequests.map { request, name in
            Conditional(name: "ioctl", argument: 1, value: request, condition: "request \(name) only", mask: 0xffff_ffff)
        } + (sink.allowsNetwork ? [
            Conditional(name: "socket", argument: 0, value: UInt64(AF_INET), condition: "domain AF_INET (--sink over TCP)"),
            Conditional(name: "socket", argument: 0, value: UInt64(AF_INET6), condition: "domain AF_INET6 (--sink over TCP)"),
        ] : [])
    }

    public struct Failure: Error, CustomStringConvertible {
        public var step: String
        public var result: Int32
        public var description: String { "seccomp: \(step) failed: \(String(cString: strerror(-result))) (\(-result))" }
    }

    /// Loads the filter into the calling process (all threads: TSYNC). libseccomp sets
    /// NoNewPrivs first, which also makes the kernel accept the filter without CAP_SYS_ADMIN.
    public static func install(sink: SinkAccess = .none) throws(Failure) {
        guard let context = seccomp_init(0x0005_0000 | UInt32(EPERM)) else { throw Failure(step: "seccomp_init", result: -ENOMEM) }
        defer { seccomp_release(context) }
        func check(_ step: String, _ result: Int32) throws(Failure) {
            if result < 0 { throw Failure(step: step, result: result) }
        }
        try check("set TSYNC", seccomp_attr_set(context, SCMP_FLTATR_CTL_TSYNC, 1))
        let allow: UInt32 = 0x7fff_0000
        for name in allowed + sink.syscalls {
            let number = seccomp_syscall_resolve_name(name)
            if number == __NR_SCMP_ERROR { continue }  // not a syscall on this architecture
            try check("allow \(name)", seccomp_rule_add_array(context, allow, number, 0, nil))
        }
        for rule in conditional(sink: sink) {
            var comparison = rule.mask.map { scmp_arg_cmp(arg: rule.argument, op: SCMP_CMP_MASKED_EQ, datum_a: $0, datum_b: rule.value) }
                ?? scmp_arg_cmp(arg: rule.argument, op: SCMP_CMP_EQ, datum_a: rule.value, datum_b: 0)
            let number = seccomp_syscall_resolve_name(rule.name)
            if number == __NR_SCMP_ERROR { continue }
            try check("allow \(rule.name) (\(rule.condition))", seccomp_rule_add_array(context, allow, number, 1, &comparison))
        }
        for rule in unsupported {
            let number = seccomp_syscall_resolve_name(rule.name)
            if number == __NR_SCMP_ERROR { continue }
            try check("\(rule.name) \(rule.reason)", seccomp_rule_add_array(context, 0x0005_0000 | UInt32(ENOSYS), number, 0, nil))
        }
        try check("seccomp_load", seccomp_load(context))
    }

    /// What the process event source uses after confinement, shown by `--print-filter` beside
    /// those syscalls: it adds none of its own to the list.
    public static let processEventUses: [String: String] = [
        "epoll_wait": "process events: waiting on the ring buffer (libbpf ring_buffer__poll)",
    ]

    /// How many syscalls the filter lets through, unconditionally or with a condition.
    public static func allowedCount(sink: SinkAccess = .none) -> Int {
        Set(allowed + sink.syscalls + conditional(sink: sink).map(\.name)).count
    }

    /// The allowed syscalls as libseccomp resolves them on this architecture: `name (number)`,
    /// sorted by name; conditional ones with their condition.
    public static func describe(sink: SinkAccess = .none) -> [String] {
        var lines: [String] = []
        let conditions = conditional(sink: sink)
        for name in Set(allowed + sink.syscalls + conditions.map(\.name) + unsupported.map(\.name)) {
            let number = seccomp_syscall_resolve_name(name)
            guard number != __NR_SCMP_ERROR, let resolved = seccomp_syscall_resolve_num_arch(UInt32(SCMP_ARCH_NATIVE), number) else { continue }
            defer { free(resolved) }
            let condition = (conditions.filter { $0.name == name }.map(\.condition) + unsupported.filter { $0.name == name }.map(\.reason)
                             + (processEventUses[name].map { [$0] } ?? []))
                .map { "  [\($0)]" }.joined()
            lines.append("\(String(cString: resolved)) (\(number))\(condition)")
        }
        return lines.sorted()
    }
}
