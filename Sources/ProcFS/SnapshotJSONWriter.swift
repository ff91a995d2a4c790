import Base

/// Writes a snapshot as JSON bytes directly, for `isotrace snapshot --format json` on large nodes
/// where `JSONEncoder` cost as much as sampling itself.
///
/// The output is the same document, byte for byte, as `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` makes from the `Encodable` conformances in
/// SnapshotJSON.swift; both follow the key lists of `SnapshotKey` (declared there once, in sorted
/// order), and the tests compare the two on the fixture trees and on a live sample.
public enum SnapshotJSONWriter {
    public static func encode(_ snapshot: Snapshot) -> [UInt8] {
        var whole: [UInt8] = []
        write(snapshot, toBytes: { whole.append(contentsOf: $0) })
        return whole
    }

    /// One process object alone (the daemon's `process` records): the bytes JSONEncoder makes of
    /// the sample.
    package static func encode(_ process: ProcessSample) -> [UInt8] {
        var json = JSONBytes(capacity: 4096)
        write(process, &json)
        return json.bytes
    }

    /// Writes the document in pieces of about 64 KiB through `output`, so a sample of 10,000
    /// processes is never held twice (as values and as one 15 MB string).
    public static func write(_ snapshot: Snapshot, to output: ([UInt8]) -> Void) {
        write(snapshot, toBytes: { output(Array($0)) })
    }

    /// `write(_:to:)` handing each piece over in place, valid during the call only (the
    /// command writes it to stdout as it is: no copy of the document).
    public static func write(_ snapshot: Snapshot, toBytes output: (UnsafeRawBufferPointer) -> Void) {
        var json = JSONBytes(capacity: 65536 + 4096)
        func flushIfFull() { json.flush(to: output) }
        json.beginObject()
        let keys = Self.snapshotKeys
        for (index, key) in keys.cases.enumerated() {
            json.key(keys.list, index)
            switch key {
            case .counters: write(snapshot.counters, &json)
            case .errors:
                json.beginArray()
                for problem in snapshot.problems { write(problem, &json) }
                json.endArray()
            case .mountNamespaces:
                json.beginArray()
                for namespace in snapshot.mountNamespaces {
                    write(namespace, &json)
                    flushIfFull()
                }
                json.endArray()
            case .node: write(snapshot.node, &json)
            case .procRoot: json.string(snapshot.procRoot)
            case .processes:
                json.beginArray()
                for process in snapshot.processes {
                    write(process, &json)
                    flushIfFull()
                }
                json.endArray()
            case .sampler: json.string(snapshot.sampler.rawValue)
            case .takenAt: json.time(snapshot.takenAt)
            }
        }
        json.endObject()
        json.flush(over: 0, to: output)
    }

    package static func write(_ counters: SampleCounters, _ json: inout JSONBytes) {
        json.beginObject()
        let keys = Self.countersKeys
        for (index, key) in keys.cases.enumerated() {
            json.key(keys.list, index)
            switch key {
            case .malformed: json.integer(counters.malformed)
            case .processes: json.integer(counters.processes)
            case .unreadable: json.integer(counters.unreadable)
            case .vanished: json.integer(counters.vanished)
            }
        }
        json.endObject()
    }

    /// Synthesized `Codable`: absent optionals are left out, not null.
    package static func write(_ problem: SampleProblem, _ json: inout JSONBytes) {
        json.beginObject()
        let keys = Self.problemKeys
        for (index, key) in keys.cases.enumerated() {
            switch key {
            case .file: json.key(keys.list, index); json.string(problem.file)
            case .line: if let line = problem.line { json.key(keys.list, index); json.integer(line) }
            case .pid: if let pid = problem.pid { json.key(keys.list, index); json.integer(pid) }
            case .reason: json.key(keys.list, index); json.string(problem.reason)
            }
        }
        json.endObject()
    }

    package static func write(_ node: NodeFacts, _ json: inout JSONBytes) {
        json.beginObject()
        let keys = Self.nodeKeys
        for (index, key) in keys.cases.enumerated() {
            json.key(keys.list, index)
            switch key {
            case .bootID: json.string(node.bootID)
            case .bootTime: json.string(node.bootInstant.description)
            case .btime: json.integer(node.bootTime)
            case .clockTicks: json.integer(node.clockTicksPerSecond)
            case .hostname: json.string(node.hostname)
            case .kernelRelease: json.string(node.kernelRelease)
            case .machineID: json.string(node.machineID)
            case .maxUserNamespaces: optional(node.maxUserNamespaces, &json)
            case .pidMax: optional(node.pidMax, &json)
            case .ptraceScope: optional(node.ptraceScope, &json)
            case .unavailable: json.dictionary(node.unavailable)
            case .unprivilegedUsernsClone: optional(node.unprivilegedUsernsClone, &json)
            }
        }
        json.endObject()
    }

    package static func write(_ namespace: MountNamespaceSample, _ json: inout JSONBytes) {
        json.beginObject()
        let keys = Self.mountNamespaceKeys
        for (index, key) in keys.cases.enumerated() {
            json.key(keys.list, index)
            switch key {
            case .inode: json.integer(namespace.inode)
            case .mounts:
                if let mounts = namespace.mounts {
                    json.beginArray()
                    for mount in mounts { write(mount, &json) }
                    json.endArray()
                } else {
                    json.null()
                }
            case .procHidePID: json.string(namespace.procHidePID)
            case .readThroughPID: optional(namespace.readThroughPID, &json)
            case .unavailable: json.string(namespace.unavailable)
            }
        }
        json.endObject()
    }

    static func write(_ mount: MountEntry, _ json: inout JSONBytes) {
        json.beginObject()
        let keys = Self.mountKeys
        for (index, key) in keys.cases.enumerated() {
            json.key(keys.list, index)
            switch key {
            case .device: json.string(mount.device)
            case .fsType: json.string(mount.fsType)
            case .mountID: json.integer(mount.mountID)
            case .mountPoint: json.string(mount.mountPoint)
            case .optionalFields: json.strings(mount.optionalFields)
            case .options: json.strings(mount.options)
            case .parentID: json.integer(mount.parentID)
            case .root: json.string(mount.root)
            case .source: json.string(mount.source)
            case .superOptions: json.strings(mount.superOptions)
            }
        }
        json.endObject()
    }

    static func write(_ process: ProcessSample, _ json: inout JSONBytes) {
        write(process, &json, insertingAt: InsertionPoints()) { _, _ in }
    }

    /// Where a layer above adds keys of its own to the process object: before which of the
    /// snapshot's keys (nil: before the closing brace), as `position(of:)` finds them.
    package struct InsertionPoints {
        fileprivate var mask: UInt64 = 0

        package init(_ positions: [SnapshotKey.Process?] = []) {
            for position in positions {
                mask |= 1 << UInt64(position.flatMap { SnapshotKey.Process.allCases.firstIndex(of: $0) } ?? SnapshotKey.Process.allCases.count)
            }
        }

        /// Before every key and before the closing brace.
        package static let everywhere = InsertionPoints([nil] + SnapshotKey.Process.allCases.map(Optional.some))

        @inline(__always)
        fileprivate func contains(_ index: Int) -> Bool { mask & (1 << UInt64(index)) != 0 }
    }

    /// `write(_:_:insertingAt:_:)` with `insert` called before every key and before the closing
    /// brace (it then looks at the key itself).
    package static func write(_ process: ProcessSample, _ json: inout JSONBytes,
                              inserting insert: (SnapshotKey.Process?, inout JSONBytes) -> Void) {
        write(process, &json, insertingAt: .everywhere, insert)
    }

    /// One process object. `insert` is called before each of the snapshot's keys that `points`
    /// names, and with nil before the closing brace when it names nil, so that a layer above can
    /// add keys of its own where they sort (the audit's `panda_id` and `container`; see
    /// `position(of:)`). Only there: a call before every key cost the audit a tenth of its writing.
    package static func write(_ process: ProcessSample, _ json: inout JSONBytes, insertingAt points: InsertionPoints,
                              _ insert: (SnapshotKey.Process?, inout JSONBytes) -> Void) {
        let status = process.status
        json.beginObject()
        let keys = Self.processKeys
        for (index, key) in keys.cases.enumerated() {
            if points.contains(index) { insert(key, &json) }
            json.key(keys.list, index)
            switch key {
            case .bootID: json.string(process.identity.bootID)
            case .caps:
                if let caps = status?.capabilities {
                    json.capabilities(caps) { json in
                        json.beginObject()
                        let capabilityKeys = Self.capabilitiesKeys
                        for (index, set) in capabilityKeys.cases.enumerated() {
                            json.key(capabilityKeys.list, index)
                            json.hexMask(set.mask(of: caps))
                        }
                        json.endObject()
                    }
                } else {
                    json.null()
                }
            case .cgroup: json.string(process.cgroupPath)
            case .cgroups:
                if let cgroups = process.cgroups { json.cgroupLines(cgroups) } else { json.null() }
            case .cmdline: json.arguments(process.arguments)
            case .comm: json.string(process.stat.comm)
            case .cwd: json.string(process.cwd?.path)
            case .cwdDeleted: optional(process.cwd?.deleted, &json)
            case .env: json.dictionary(process.environment)
            case .exe: json.string(process.exe?.path)
            case .exeDeleted: optional(process.exe?.deleted, &json)
            case .gidMap: write(process.gidMap, gid: true, &json)
            case .gids: json.ids(status?.gids, gid: true)
            case .groups: json.integers(status?.groups)
            case .kernelThread: json.bool(process.stat.isKernelThread)
            case .noNewPrivs: optional(status?.noNewPrivs, &json)
            case .ns:
                let namespaces = process.namespaces
                json.namespaces(namespaces) { json in
                    json.beginObject()
                    // NamespaceKind's raw values sort as its cases are declared.
                    let namespaceKeys = Self.namespaceKeys
                    for (index, kind) in namespaceKeys.cases.enumerated() {
                        json.key(namespaceKeys.list, index)
                        optional(namespaces[kind], &json)
                    }
                    json.endObject()
                }
            case .nspid: json.integers(status?.nspid)
            case .pgid: json.integer(process.stat.pgid)
            case .pid: json.integer(process.identity.pid)
            case .ppid: json.integer(process.stat.ppid)
            case .seccomp: json.string(status?.seccomp.rawValue)
            case .seccompFilters: optional(status?.seccompFilters, &json)
            case .sid: json.integer(process.stat.sid)
            case .startTicks: json.integer(process.identity.startTicks)
            case .startTime: json.time(process.startTime)
            case .state: json.string(process.stat.state)
            case .tracerPid: optional(status?.tracerPid, &json)
            case .uid: optional(status?.uids[1], &json)
            case .uidMap: write(process.uidMap, gid: false, &json)
            case .uids: json.ids(status?.uids, gid: false)
            case .unavailable: json.dictionary(process.unavailable)
            }
        }
        if points.contains(keys.cases.count) { insert(nil, &json) }
        json.endObject()
    }

    /// Where a key added to the process object goes: before the first snapshot key that sorts
    /// after it (nil: after the last), as `JSONEncoder`'s `.sortedKeys` orders them.
    package static func position(of key: String) -> SnapshotKey.Process? {
        precondition(SnapshotKey.Process(rawValue: key) == nil, "\(key) is a snapshot key already")
        return SnapshotKey.Process.allCases.first { key < $0.rawValue }
    }

    static func write(_ map: [IDMapEntry]?, gid: Bool, _ json: inout JSONBytes) {
        guard let map else { return json.null() }
        json.idMap(map, gid: gid) { json in write(map, &json) }
    }

    static func write(_ map: [IDMapEntry], _ json: inout JSONBytes) {
        json.beginArray()
        for entry in map {
            json.beginObject()
            let keys = Self.iDMapKeys
            for (index, key) in keys.cases.enumerated() {
                json.key(keys.list, index)
                switch key {
                case .count: json.integer(entry.count)
                case .inside: json.integer(entry.inside)
                case .outside: json.integer(entry.outside)
                }
            }
            json.endObject()
        }
        json.endArray()
    }

    /// Each object's keys, their JSON text made once (see `KeyCases`).
    static let snapshotKeys = KeyCases<SnapshotKey.Snapshot>()
    static let countersKeys = KeyCases<SnapshotKey.Counters>()
    static let problemKeys = KeyCases<SnapshotKey.Problem>()
    static let nodeKeys = KeyCases<SnapshotKey.Node>()
    static let mountNamespaceKeys = KeyCases<SnapshotKey.MountNamespace>()
    static let mountKeys = KeyCases<SnapshotKey.Mount>()
    static let processKeys = KeyCases<SnapshotKey.Process>()
    static let capabilitiesKeys = KeyCases<SnapshotKey.Capabilities>()
    static let namespaceKeys = KeyCases<NamespaceKind>()
    static let iDMapKeys = KeyCases<SnapshotKey.IDMap>()

    static func optional<T: BinaryInteger>(_ value: T?, _ json: inout JSONBytes) {
        if let value { json.integer(value) } else { json.null() }
    }

    static func optional(_ value: Bool?, _ json: inout JSONBytes) {
        if let value { json.bool(value) } else { json.null() }
    }
}

/// A key enum's cases in declaration (sorted) order with their JSON text, made once: the
/// synthesized `allCases` builds a new array at every use, and a key written from its `rawValue`
/// was a String escaped byte by byte, some fifty times per process.
struct KeyCases<Key: RawRepresentable & CaseIterable & Sendable>: Sendable where Key.RawValue == String {
    let cases: [Key]
    let list: JSONKeyList

    init() {
        cases = Array(Key.allCases)
        list = JSONKeyList(cases.map(\.rawValue))
    }
}
