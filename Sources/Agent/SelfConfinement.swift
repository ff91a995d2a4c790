#if canImport(Glibc)
import Glibc
#endif
import Base
import ProcFS
import SystemPackage

/// Confines the daemon after start-up: drops every capability but the two it needs to read
/// other users' /proc entries, then installs the seccomp allowlist (`SeccompFilter`), then checks
/// that it holds.
///
/// Kept, and why (measured: Tests/LiveTests/DaemonLiveTests.swift, `capabilitiesNeeded`, samples
/// another uid's process under `setpriv --bounding-set` with each set):
/// - CAP_SYS_PTRACE: ptrace_may_access(PTRACE_MODE_READ_FSCREDS) guards the `ns/*`, `cwd`, `exe`
///   and `root` links, `environ` and `mountinfo` of a process of another uid; without it they
///   are all refused (EACCES).
/// - CAP_DAC_READ_SEARCH: `environ` is mode 0400 owned by the process's uid, and root's bypass of
///   file modes is a capability; without it the environment (PanDA IDs) is refused. It also lets
///   ISO-CRED search other users' directories through `/proc/<pid>/root`.
/// Not kept: CAP_DAC_OVERRIDE (the daemon writes only its own root-owned directory), CAP_KILL,
/// CAP_SETUID, CAP_SYS_ADMIN and the rest; the bounding set loses them too, and the ambient and
/// inheritable sets are emptied, so nothing can regain them. capset(2) acts on the calling
/// thread only, so confinement refuses to go on if another thread still holds more.
public enum SelfConfinement {
    public static let kept: [Capability] = [.dacReadSearch, .sysPtrace]
    public static var keptMask: UInt64 { Capability.mask(kept) }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// What confinement did, for the log.
    public struct Outcome: Sendable {
        public var effective: UInt64
        public var bounding: UInt64
        public var threads: Int
    }

    /// Drops capabilities, installs the filter, runs the self-check. Throws when any step fails:
    /// the daemon then refuses to run.
    /// `sink` adds what shipping to a central database needs (a sink over TCP: AF_INET/AF_INET6).
    public static func confine(procRoot: String = "/proc", sink: SeccompFilter.SinkAccess = .none) throws(Failure) -> Outcome {
        let threads = (try? threadCount(procRoot: procRoot)) ?? 0
        do {
            try dropCapabilities(procRoot: procRoot)
        } catch {
            throw Failure(description: "cannot drop capabilities: \(error)")
        }
        let stray = threadsWithMoreCapabilities(procRoot: procRoot)
        guard stray.isEmpty else {
            // capset changes the calling thread only: a thread started before it keeps its set.
            throw Failure(description: "thread(s) \(stray.map(String.init).joined(separator: ", ")) still hold dropped capabilities")
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
        return Outcome(effective: status?.capabilities.effective ?? 0, bounding: status?.capabilities.bounding ?? 0, threads: threads)
    }

    /// PR_CAPBSET_DROP for every capability not kept (needs CAP_SETPCAP, so before capset), then
    /// the ambient set cleared, then capset: effective = permitted = kept (as far as held), no
    /// inheritable. Without CAP_SETPCAP (not root) the bounding set cannot shrink; what the
    /// process holds is still reduced.
    static func dropCapabilities(procRoot: String) throws(SystemCallError) {
        let last = lastCapability(procRoot: procRoot)
        let status = try? currentStatus(procRoot: procRoot)
        let canDropBounding = Capability.setpcap.isSet(in: status?.capabilities.effective ?? 0)
        if canDropBounding {
            for capability in 0...last where !kept.contains(where: { $0.number == capability }) {
                _ = try Syscalls.prctl(24, UInt(capability))  // PR_CAPBSET_DROP
            }
        }
        _ = try? Syscalls.prctl(47, 4)  // PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
        let held = status?.capabilities.permitted ?? 0
        let keep = held & keptMask
        try Syscalls.capset(effective: keep, permitted: keep, inheritable: 0)
    }

    /// Tries what the filter must refuse; returns what was not refused with EPERM. Each probe is
    /// harmless if it did go through: socket(AF_INET) is closed at once, execve of /bin/true is
    /// given an invalid argv (the kernel returns EFAULT before replacing the process), and
    /// ptrace attaches to PID 0, which does not exist.
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

        if let refusal = Syscalls.socketProbe(domain: AF_UNIX, type: Int32(SOCK_DGRAM.rawValue)) {
            problems.append("socket(AF_UNIX) refused (errno \(refusal.rawValue)): syslog would not work")
        }
        return problems
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
