import Base

/// What `--sampler` asks for: `auto` takes BPF when it can be used, else /proc.
public enum SamplerChoice: String, CaseIterable, Sendable {
    case auto, bpf, procfs
}

/// `--sampler bpf` was asked for and BPF cannot be used here; `reason` says why.
public struct SamplerUnavailable: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "--sampler bpf: \(reason)" }
}

/// The sampler a command uses, chosen once at start: with BPF the task iterator is loaded here
/// (a few milliseconds) and reused by every `sample` (the daemon's cycles).
public struct Sampler: Sendable {
    public let kind: SamplerKind
    /// Why /proc is used (nil with BPF).
    public let reason: String?
    public let iterator: TaskIterator?
    public let procRoot: String
    /// Set by `watchingMountTables()` (the daemon): mount tables re-read only when changed.
    public private(set) var mountWatch: MountTableWatch?

    /// `auto`: BPF when running as root (or with CAP_BPF and CAP_PERFMON), in the initial PID and
    /// user namespaces, on a kernel with BTF, reading the live /proc, and the iterator loads;
    /// else /proc, with the reason. `bpf`: the same checks, failing with the reason.
    public static func choose(_ choice: SamplerChoice, procRoot: String) throws(SamplerUnavailable) -> Sampler {
        if choice == .procfs {
            return Sampler(kind: .procfs, reason: "asked for", iterator: nil, procRoot: procRoot)
        }
        var why = BPFRequirements.unmet(procRoot: procRoot)
        var iterator: TaskIterator?
        if why == nil {
            do {
                iterator = try TaskIterator.open()
            } catch {
                why = error.reason
            }
        }
        if let iterator { return Sampler(kind: .bpf, reason: nil, iterator: iterator, procRoot: procRoot) }
        let reason = why ?? "unknown"
        if choice == .bpf { throw SamplerUnavailable(reason: reason) }
        return Sampler(kind: .procfs, reason: reason, iterator: nil, procRoot: procRoot)
    }

    /// The /proc sampler without any check (library users, tests).
    public static func procfs(procRoot: String = "/proc") -> Sampler {
        Sampler(kind: .procfs, reason: "asked for", iterator: nil, procRoot: procRoot)
    }

    /// This sampler keeping mountinfo files open between samples (see `MountTableWatch`): for a
    /// process that samples again and again, never for one-shot commands.
    public func watchingMountTables(limit: Int = 512) -> Sampler {
        var sampler = self
        sampler.mountWatch = MountTableWatch(limit: limit)
        return sampler
    }

    /// For stderr: `sampler bpf`, or `sampler procfs (why)`.
    public var announcement: String {
        kind == .bpf ? "sampler bpf" : "sampler procfs (\(reason ?? "asked for"))"
    }

    /// One sample with the chosen sampler (see `ProcSampler.sample` and `TaskIterSampler.sample`).
    public func sample(pids: [Int32]? = nil, reusing known: [Int32: ProcessSample] = [:],
                       extraEnvironment: [String] = []) throws(ProcRootError) -> Snapshot {
        if let iterator {
            return try TaskIterSampler(iterator: iterator, extraEnvironment: extraEnvironment, mountWatch: mountWatch)
                .sample(pids: pids, reusing: known)
        }
        return try ProcSampler(procRoot: procRoot, extraEnvironment: extraEnvironment, mountWatch: mountWatch)
            .sample(pids: pids, reusing: known)
    }
}

/// What the BPF sampler needs besides a loadable iterator, checked before loading so the reason
/// is plain.
enum BPFRequirements {

    /// nil when every requirement holds, else the first one that does not.
    static func unmet(procRoot: String) -> String? {
        if procRoot != "/proc" {
            return "--proc-root \(procRoot) is not the live /proc (BPF sees the running kernel only)"
        }
        var buffer: [UInt8] = []
        guard let count = try? Syscalls.readFile(at: nil, "/proc/self/status", displayPath: "/proc/self/status", into: &buffer),
              let status = try? ProcessStatus.parse(buffer[0..<count])
        else { return "cannot read /proc/self/status" }
        let effective = status.capabilities.effective
        if !Capability.sysAdmin.isSet(in: effective) && !(Capability.bpf.isSet(in: effective) && Capability.perfmon.isSet(in: effective)) {
            return "needs root, or CAP_BPF and CAP_PERFMON"
        }
        // By the namespace links, not NSpid or uid_map: those are relative to the /proc mount's
        // namespace, so under a /proc mounted in a child PID namespace (`unshare -p -f
        // --mount-proc`) NSpid has one level although BPF reports the initial namespace's PIDs.
        for kind in [NamespaceKind.pid, .user] {
            let path = "/proc/self/ns/\(kind.rawValue)"
            guard let link = try? Syscalls.readLink(at: nil, path, displayPath: path),
                  let inode = try? NamespaceSet.parseLink(link[...], expecting: kind)
            else { return "cannot read \(path)" }
            if inode != kind.initialInode {
                return kind == .pid
                    ? "isotrace runs in a PID namespace below the initial one (BPF reports the initial namespace's PIDs)"
                    : "isotrace runs in a user namespace other than the initial one (BPF reports the initial namespace's ids)"
            }
        }
        if !Syscalls.isReadable("/sys/kernel/btf/vmlinux") {
            return "no kernel BTF (/sys/kernel/btf/vmlinux)"
        }
        return nil
    }
}

