import Base

// The JSON shape of a snapshot. Key names are a contract: audit, records and other tools build
// on them (issue "Foundation", item 4). Absent values are encoded as null, never omitted, so
// every process object has the same keys.

extension Snapshot: Encodable {
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: SnapshotKey.Snapshot.self)
        for key in SnapshotKey.Snapshot.allCases {
            switch key {
            case .counters: try container.encode(counters, forKey: key)
            case .errors: try container.encode(problems, forKey: key)
            case .mountNamespaces: try container.encode(mountNamespaces, forKey: key)
            case .node: try container.encode(node, forKey: key)
            case .procRoot: try container.encode(procRoot, forKey: key)
            case .processes: try container.encode(processes, forKey: key)
            case .sampler: try container.encode(sampler, forKey: key)
            case .takenAt: try container.encode(takenAt.description, forKey: key)
            }
        }
    }
}

extension NodeFacts: Encodable {
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: SnapshotKey.Node.self)
        for key in SnapshotKey.Node.allCases {
            switch key {
            case .bootID: try container.encodeOrNull(bootID, forKey: key)
            case .bootTime: try container.encode(bootInstant.description, forKey: key)
            case .btime: try container.encode(bootTime, forKey: key)
            case .clockTicks: try container.encode(clockTicksPerSecond, forKey: key)
            case .hostname: try container.encodeOrNull(hostname, forKey: key)
            case .kernelRelease: try container.encodeOrNull(kernelRelease, forKey: key)
            case .machineID: try container.encodeOrNull(machineID, forKey: key)
            case .maxUserNamespaces: try container.encodeOrNull(maxUserNamespaces, forKey: key)
            case .pidMax: try container.encodeOrNull(pidMax, forKey: key)
            case .ptraceScope: try container.encodeOrNull(ptraceScope, forKey: key)
            case .unavailable: try container.encode(unavailable, forKey: key)
            case .unprivilegedUsernsClone: try container.encodeOrNull(unprivilegedUsernsClone, forKey: key)
            }
        }
    }
}

extension ProcessSample: Encodable {
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: SnapshotKey.Process.self)
        for key in SnapshotKey.Process.allCases {
            switch key {
            case .bootID: try container.encode(identity.bootID, forKey: key)
            case .caps:
                if let caps = status?.capabilities {
                    var nested = container.nestedContainer(keyedBy: SnapshotKey.Capabilities.self, forKey: key)
                    for set in SnapshotKey.Capabilities.allCases {
                        try nested.encode(Capability.hex(set.mask(of: caps)), forKey: set)
                    }
                } else {
                    try container.encodeNil(forKey: key)
                }
            case .cgroup: try container.encodeOrNull(cgroupPath, forKey: key)
            case .cgroups: try container.encodeOrNull(cgroups?.map(\.line), forKey: key)
            case .cmdline: try container.encodeOrNull(arguments, forKey: key)
            case .comm: try container.encode(stat.comm, forKey: key)
            case .cwd: try container.encodeOrNull(cwd?.path, forKey: key)
            case .cwdDeleted: try container.encodeOrNull(cwd?.deleted, forKey: key)
            case .env: try container.encodeOrNull(environment, forKey: key)
            case .exe: try container.encodeOrNull(exe?.path, forKey: key)
            case .exeDeleted: try container.encodeOrNull(exe?.deleted, forKey: key)
            case .gidMap: try container.encodeOrNull(gidMap, forKey: key)
            case .gids: try container.encodeOrNull(status?.gids, forKey: key)
            case .groups: try container.encodeOrNull(status?.groups, forKey: key)
            case .kernelThread: try container.encode(stat.isKernelThread, forKey: key)
            case .noNewPrivs: try container.encodeOrNull(status?.noNewPrivs, forKey: key)
            case .ns:
                var ns = container.nestedContainer(keyedBy: NamespaceKind.CodingKeys.self, forKey: key)
                for kind in NamespaceKind.allCases {
                    try ns.encodeOrNull(namespaces[kind], forKey: NamespaceKind.CodingKeys(kind))
                }
            case .nspid: try container.encodeOrNull(status?.nspid, forKey: key)
            case .pgid: try container.encode(stat.pgid, forKey: key)
            case .pid: try container.encode(identity.pid, forKey: key)
            case .ppid: try container.encode(stat.ppid, forKey: key)
            case .seccomp: try container.encodeOrNull(status?.seccomp, forKey: key)
            case .seccompFilters: try container.encodeOrNull(status?.seccompFilters, forKey: key)
            case .sid: try container.encode(stat.sid, forKey: key)
            case .startTicks: try container.encode(identity.startTicks, forKey: key)
            case .startTime: try container.encode(startTime.description, forKey: key)
            case .state: try container.encode(stat.state, forKey: key)
            case .tracerPid: try container.encodeOrNull(status?.tracerPid, forKey: key)
            case .uid: try container.encodeOrNull(status?.uids[1], forKey: key)
            case .uidMap: try container.encodeOrNull(uidMap, forKey: key)
            case .uids: try container.encodeOrNull(status?.uids, forKey: key)
            case .unavailable: try container.encode(unavailable.mapValues(\.description), forKey: key)
            }
        }
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
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: SnapshotKey.MountNamespace.self)
        for key in SnapshotKey.MountNamespace.allCases {
            switch key {
            case .inode: try container.encode(inode, forKey: key)
            case .mounts: try container.encodeOrNull(mounts, forKey: key)
            case .procHidePID: try container.encodeOrNull(procHidePID, forKey: key)
            case .readThroughPID: try container.encodeOrNull(readThroughPID, forKey: key)
            case .unavailable: try container.encodeOrNull(unavailable, forKey: key)
            }
        }
    }
}

extension KeyedEncodingContainer {
    /// Encodes the value, or an explicit null, so consumers always see the key.
    public mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
