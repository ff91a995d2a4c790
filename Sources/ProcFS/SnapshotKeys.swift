/// The snapshot JSON's keys, declared once per object in the order both writers emit them:
/// sorted by their bytes, as `JSONEncoder` with `.sortedKeys` sorts them. The `Encodable`
/// conformances (SnapshotJSON.swift) and the byte-level `SnapshotJSONWriter` each walk
/// `allCases` with an exhaustive switch, so a new key is one case here and the compiler stops at
/// both writers until they write it. The small value types with synthesized `Codable` (mounts,
/// counters, problems, ID maps) declare theirs as their `CodingKeys`, named here too. The names
/// are a contract (audit, records and other tools).
public enum SnapshotKey {
    /// The document's top level.
    public enum Snapshot: String, CodingKey, CaseIterable {
        case counters, errors, mountNamespaces = "mount_namespaces", node, procRoot = "proc_root", processes
        case sampler, takenAt = "taken_at"
    }

    /// `node`.
    public enum Node: String, CodingKey, CaseIterable {
        case bootID = "boot_id", bootTime = "boot_time", btime, clockTicks = "clock_ticks", hostname
        case kernelRelease = "kernel_release", machineID = "machine_id", maxUserNamespaces = "max_user_namespaces"
        case pidMax = "pid_max", ptraceScope = "ptrace_scope", unavailable
        case unprivilegedUsernsClone = "unprivileged_userns_clone"
    }

    /// Each element of `processes`.
    public enum Process: String, CodingKey, CaseIterable {
        case bootID = "boot_id", caps, cgroup, cgroups, cmdline, comm, cwd, cwdDeleted = "cwd_deleted", env, exe
        case exeDeleted = "exe_deleted", gidMap = "gid_map", gids, groups, kernelThread = "kernel_thread"
        case noNewPrivs = "no_new_privs", ns, nspid, pgid, pid, ppid, seccomp, seccompFilters = "seccomp_filters"
        case sid, startTicks = "start_ticks", startTime = "start_time", state, tracerPid = "tracer_pid", uid
        case uidMap = "uid_map", uids, unavailable
    }

    /// A process's `caps`: the five sets as 16 hex digits.
    public enum Capabilities: String, CodingKey, CaseIterable {
        case amb, bnd, eff, inh, prm

        func mask(of sets: CapabilitySets) -> UInt64 {
            switch self {
            case .amb: return sets.ambient
            case .bnd: return sets.bounding
            case .eff: return sets.effective
            case .inh: return sets.inheritable
            case .prm: return sets.permitted
            }
        }
    }

    /// Each element of `mount_namespaces`.
    public enum MountNamespace: String, CodingKey, CaseIterable {
        case inode, mounts, procHidePID = "proc_hidepid", readThroughPID = "read_through_pid", unavailable
    }

    /// Each element of a namespace's `mounts` (`MountEntry`'s coding keys).
    public typealias Mount = MountEntry.CodingKeys
    /// `counters` (`SampleCounters`' coding keys).
    public typealias Counters = SampleCounters.CodingKeys
    /// Each element of `errors` (`SampleProblem`'s coding keys).
    public typealias Problem = SampleProblem.CodingKeys
    /// Each element of `uid_map` and `gid_map` (`IDMapEntry`'s coding keys).
    public typealias IDMap = IDMapEntry.CodingKeys
}
