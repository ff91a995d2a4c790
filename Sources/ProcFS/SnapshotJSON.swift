import Base

// The JSON shape of a snapshot. Key names are a contract: audit, records and other tools build
// on them (issue "Foundation", item 4). Absent values are encoded as null, never omitted, so
// every process object has the same keys.

extension Snapshot: Encodable {
    enum CodingKeys: String, CodingKey {
        case takenAt = "taken_at", procRoot = "proc_root", node, counters, processes
        case mountNamespaces = "mount_namespaces", problems = "errors", sampler
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(takenAt.description, forKey: .takenAt)
        try container.encode(procRoot, forKey: .procRoot)
        try container.encode(node, forKey: .node)
        try container.encode(counters, forKey: .counters)
        try container.encode(processes, forKey: .processes)
        try container.encode(mountNamespaces, forKey: .mountNamespaces)
        try container.encode(problems, forKey: .problems)
        try container.encode(sampler, forKey: .sampler)
    }
}

extension NodeFacts: Encodable {
    enum CodingKeys: String, CodingKey {
        case hostname, bootID = "boot_id", machineID = "machine_id", kernelRelease = "kernel_release"
        case ptraceScope = "ptrace_scope", maxUserNamespaces = "max_user_namespaces"
        case unprivilegedUsernsClone = "unprivileged_userns_clone", pidMax = "pid_max"
        case bootTime = "boot_time", btime, clockTicks = "clock_ticks", unavailable
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeOrNull(hostname, forKey: .hostname)
        try container.encodeOrNull(bootID, forKey: .bootID)
        try container.encodeOrNull(machineID, forKey: .machineID)
        try container.encodeOrNull(kernelRelease, forKey: .kernelRelease)
        try container.encodeOrNull(ptraceScope, forKey: .ptraceScope)
        try container.encodeOrNull(maxUserNamespaces, forKey: .maxUserNamespaces)
        try container.encodeOrNull(unprivilegedUsernsClone, forKey: .unprivilegedUsernsClone)
        try container.encodeOrNull(pidMax, forKey: .pidMax)
        try container.encode(UTCTime(millisecondsSinceEpoch: Int64(bootTime) * 1000).description, forKey: .bootTime)
        try container.encode(bootTime, forKey: .btime)
        try container.encode(clockTicksPerSecond, forKey: .clockTicks)
        try container.encode(unavailable, forKey: .unavailable)
    }
}

extension ProcessSample: Encodable {
    enum CodingKeys: String, CodingKey {
        case pid, ppid, pgid, sid, state, comm, kernelThread = "kernel_thread"
        case startTime = "start_time", startTicks = "start_ticks", bootID = "boot_id"
        case uid, uids, gids, groups, cmdline, cwd, cwdDeleted = "cwd_deleted", exe, exeDeleted = "exe_deleted"
        case ns, nspid, cgroup, cgroups, caps, noNewPrivs = "no_new_privs", seccomp
        case seccompFilters = "seccomp_filters", tracerPid = "tracer_pid", uidMap = "uid_map", gidMap = "gid_map"
        case env, unavailable
    }

    enum CapabilityKeys: String, CodingKey { case inh, prm, eff, bnd, amb }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(identity.pid, forKey: .pid)
        try container.encode(stat.ppid, forKey: .ppid)
        try container.encode(stat.pgid, forKey: .pgid)
        try container.encode(stat.sid, forKey: .sid)
        try container.encode(stat.state, forKey: .state)
        try container.encode(stat.comm, forKey: .comm)
        try container.encode(stat.isKernelThread, forKey: .kernelThread)
        try container.encode(startTime.description, forKey: .startTime)
        try container.encode(identity.startTicks, forKey: .startTicks)
        try container.encode(identity.bootID, forKey: .bootID)
        try container.encodeOrNull(status?.uids[1], forKey: .uid)
        try container.encodeOrNull(status?.uids, forKey: .uids)
        try container.encodeOrNull(status?.gids, forKey: .gids)
        try container.encodeOrNull(status?.groups, forKey: .groups)
        try container.encodeOrNull(arguments, forKey: .cmdline)
        try container.encodeOrNull(cwd?.path, forKey: .cwd)
        try container.encodeOrNull(cwd?.deleted, forKey: .cwdDeleted)
        try container.encodeOrNull(exe?.path, forKey: .exe)
        try container.encodeOrNull(exe?.deleted, forKey: .exeDeleted)
        var ns = container.nestedContainer(keyedBy: NamespaceKind.CodingKeys.self, forKey: .ns)
        for kind in NamespaceKind.allCases {
            try ns.encodeOrNull(namespaces[kind], forKey: NamespaceKind.CodingKeys(kind))
        }
        try container.encodeOrNull(status?.nspid, forKey: .nspid)
        try container.encodeOrNull(cgroupPath, forKey: .cgroup)
        try container.encodeOrNull(cgroups?.map(\.line), forKey: .cgroups)
        if let caps = status?.capabilities {
            var nested = container.nestedContainer(keyedBy: CapabilityKeys.self, forKey: .caps)
            try nested.encode(CapabilitySets.hex(caps.inheritable), forKey: .inh)
            try nested.encode(CapabilitySets.hex(caps.permitted), forKey: .prm)
            try nested.encode(CapabilitySets.hex(caps.effective), forKey: .eff)
            try nested.encode(CapabilitySets.hex(caps.bounding), forKey: .bnd)
            try nested.encode(CapabilitySets.hex(caps.ambient), forKey: .amb)
        } else {
            try container.encodeNil(forKey: .caps)
        }
        try container.encodeOrNull(status?.noNewPrivs, forKey: .noNewPrivs)
        try container.encodeOrNull(status?.seccomp, forKey: .seccomp)
        try container.encodeOrNull(status?.seccompFilters, forKey: .seccompFilters)
        try container.encodeOrNull(status?.tracerPid, forKey: .tracerPid)
        try container.encodeOrNull(uidMap, forKey: .uidMap)
        try container.encodeOrNull(gidMap, forKey: .gidMap)
        try container.encodeOrNull(environment, forKey: .env)
        try container.encode(unavailable, forKey: .unavailable)
    }
}

extension NamespaceKind {
    struct CodingKeys: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ kind: NamespaceKind) { stringValue = kind.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension MountNamespaceSample: Encodable {
    enum CodingKeys: String, CodingKey {
        case inode, readThroughPID = "read_through_pid", procHidePID = "proc_hidepid", mounts, unavailable
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inode, forKey: .inode)
        try container.encodeOrNull(readThroughPID, forKey: .readThroughPID)
        try container.encodeOrNull(procHidePID, forKey: .procHidePID)
        try container.encodeOrNull(mounts, forKey: .mounts)
        try container.encodeOrNull(unavailable, forKey: .unavailable)
    }
}

extension KeyedEncodingContainer {
    /// Encodes the value, or an explicit null, so consumers always see the key.
    public mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
