import Base

/// Writes a snapshot as JSON bytes directly, for `isotrace snapshot --format json` on large nodes
/// where `JSONEncoder` cost as much as sampling itself.
///
/// The output is the same document, byte for byte, as `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` makes from the `Encodable` conformances in
/// SnapshotJSON.swift, which stay the definition of the key contract; the tests compare the two
/// on the fixture trees and on a live sample. Keys are written here in sorted (byte) order.
public enum SnapshotJSONWriter {
    public static func encode(_ snapshot: Snapshot) -> [UInt8] {
        var whole: [UInt8] = []
        write(snapshot) { whole.append(contentsOf: $0) }
        return whole
    }

    /// Writes the document in pieces of about 64 KiB through `output`, so a sample of 10,000
    /// processes is never held twice (as values and as one 15 MB string).
    public static func write(_ snapshot: Snapshot, to output: ([UInt8]) -> Void) {
        var json = JSONBytes(capacity: 65536 + 4096)
        func flushIfFull() {
            if json.bytes.count >= 65536 {
                output(json.bytes)
                json.bytes.removeAll(keepingCapacity: true)
            }
        }
        json.beginObject()
        json.key("counters")
        write(snapshot.counters, &json)
        json.key("errors")
        json.beginArray()
        for problem in snapshot.problems { write(problem, &json) }
        json.endArray()
        json.key("mount_namespaces")
        json.beginArray()
        for namespace in snapshot.mountNamespaces {
            write(namespace, &json)
            flushIfFull()
        }
        json.endArray()
        json.key("node")
        write(snapshot.node, &json)
        json.key("proc_root")
        json.string(snapshot.procRoot)
        json.key("processes")
        json.beginArray()
        for process in snapshot.processes {
            write(process, &json)
            flushIfFull()
        }
        json.endArray()
        json.key("sampler")
        json.string(snapshot.sampler.rawValue)
        json.key("taken_at")
        json.string(snapshot.takenAt.description)
        json.endObject()
        output(json.bytes)
    }

    static func write(_ counters: SampleCounters, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("malformed"); json.integer(counters.malformed)
        json.key("processes"); json.integer(counters.processes)
        json.key("unreadable"); json.integer(counters.unreadable)
        json.key("vanished"); json.integer(counters.vanished)
        json.endObject()
    }

    /// Synthesized `Codable`: absent optionals are left out, not null.
    static func write(_ problem: SampleProblem, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("file"); json.string(problem.file)
        if let line = problem.line { json.key("line"); json.integer(line) }
        if let pid = problem.pid { json.key("pid"); json.integer(pid) }
        json.key("reason"); json.string(problem.reason)
        json.endObject()
    }

    static func write(_ node: NodeFacts, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("boot_id"); json.string(node.bootID)
        json.key("boot_time"); json.string(UTCTime(millisecondsSinceEpoch: Int64(node.bootTime) * 1000).description)
        json.key("btime"); json.integer(node.bootTime)
        json.key("clock_ticks"); json.integer(node.clockTicksPerSecond)
        json.key("hostname"); json.string(node.hostname)
        json.key("kernel_release"); json.string(node.kernelRelease)
        json.key("machine_id"); json.string(node.machineID)
        json.key("max_user_namespaces"); optional(node.maxUserNamespaces, &json)
        json.key("pid_max"); optional(node.pidMax, &json)
        json.key("ptrace_scope"); optional(node.ptraceScope, &json)
        json.key("unavailable"); json.dictionary(node.unavailable)
        json.key("unprivileged_userns_clone"); optional(node.unprivilegedUsernsClone, &json)
        json.endObject()
    }

    static func write(_ namespace: MountNamespaceSample, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("inode"); json.integer(namespace.inode)
        json.key("mounts")
        if let mounts = namespace.mounts {
            json.beginArray()
            for mount in mounts { write(mount, &json) }
            json.endArray()
        } else {
            json.null()
        }
        json.key("proc_hidepid"); json.string(namespace.procHidePID)
        json.key("read_through_pid"); optional(namespace.readThroughPID, &json)
        json.key("unavailable"); json.string(namespace.unavailable)
        json.endObject()
    }

    static func write(_ mount: MountEntry, _ json: inout JSONBytes) {
        json.beginObject()
        json.key("device"); json.string(mount.device)
        json.key("fs_type"); json.string(mount.fsType)
        json.key("mount_id"); json.integer(mount.mountID)
        json.key("mount_point"); json.string(mount.mountPoint)
        json.key("optional_fields"); json.strings(mount.optionalFields)
        json.key("options"); json.strings(mount.options)
        json.key("parent_id"); json.integer(mount.parentID)
        json.key("root"); json.string(mount.root)
        json.key("source"); json.string(mount.source)
        json.key("super_options"); json.strings(mount.superOptions)
        json.endObject()
    }

    static func write(_ process: ProcessSample, _ json: inout JSONBytes) {
        let status = process.status
        json.beginObject()
        json.key("boot_id"); json.string(process.identity.bootID)
        json.key("caps")
        if let caps = status?.capabilities {
            json.beginObject()
            json.key("amb"); json.hexMask(caps.ambient)
            json.key("bnd"); json.hexMask(caps.bounding)
            json.key("eff"); json.hexMask(caps.effective)
            json.key("inh"); json.hexMask(caps.inheritable)
            json.key("prm"); json.hexMask(caps.permitted)
            json.endObject()
        } else {
            json.null()
        }
        json.key("cgroup"); json.string(process.cgroupPath)
        json.key("cgroups"); json.strings(process.cgroups?.map(\.line))
        json.key("cmdline"); json.strings(process.arguments)
        json.key("comm"); json.string(process.stat.comm)
        json.key("cwd"); json.string(process.cwd?.path)
        json.key("cwd_deleted"); optional(process.cwd?.deleted, &json)
        json.key("env"); json.dictionary(process.environment)
        json.key("exe"); json.string(process.exe?.path)
        json.key("exe_deleted"); optional(process.exe?.deleted, &json)
        json.key("gid_map"); write(process.gidMap, &json)
        json.key("gids"); json.integers(status?.gids)
        json.key("groups"); json.integers(status?.groups)
        json.key("kernel_thread"); json.bool(process.stat.isKernelThread)
        json.key("no_new_privs"); optional(status?.noNewPrivs, &json)
        json.key("ns")
        json.beginObject()
        // NamespaceKind's raw values sort as its cases are declared.
        for kind in NamespaceKind.all {
            json.key(kind.rawValue)
            optional(process.namespaces[kind], &json)
        }
        json.endObject()
        json.key("nspid"); json.integers(status?.nspid)
        json.key("pgid"); json.integer(process.stat.pgid)
        json.key("pid"); json.integer(process.identity.pid)
        json.key("ppid"); json.integer(process.stat.ppid)
        json.key("seccomp"); json.string(status?.seccomp.rawValue)
        json.key("seccomp_filters"); optional(status?.seccompFilters, &json)
        json.key("sid"); json.integer(process.stat.sid)
        json.key("start_ticks"); json.integer(process.identity.startTicks)
        json.key("start_time"); json.string(process.startTime.description)
        json.key("state"); json.string(process.stat.state)
        json.key("tracer_pid"); optional(status?.tracerPid, &json)
        json.key("uid"); optional(status?.uids[1], &json)
        json.key("uid_map"); write(process.uidMap, &json)
        json.key("uids"); json.integers(status?.uids)
        json.key("unavailable"); json.dictionary(process.unavailable)
        json.endObject()
    }

    static func write(_ map: [IDMapEntry]?, _ json: inout JSONBytes) {
        guard let map else { return json.null() }
        json.beginArray()
        for entry in map {
            json.beginObject()
            json.key("count"); json.integer(entry.count)
            json.key("inside"); json.integer(entry.inside)
            json.key("outside"); json.integer(entry.outside)
            json.endObject()
        }
        json.endArray()
    }

    static func optional<T: BinaryInteger>(_ value: T?, _ json: inout JSONBytes) {
        if let value { json.integer(value) } else { json.null() }
    }

    static func optional(_ value: Bool?, _ json: inout JSONBytes) {
        if let value { json.bool(value) } else { json.null() }
    }
}
