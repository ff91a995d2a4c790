import Base
import ProcFS

/// Builds `ProcessSample` values for classifier tests: the classifier is pure (samples in, job
/// graph out), so trees are written here as the /proc facts that matter to it.
struct SampleBuilder {
    var bootID = "boot-1"
    var processes: [ProcessSample] = []

    @discardableResult
    mutating func add(
        _ pid: Int32, parent: Int32, sid: Int32? = nil, pgid: Int32? = nil, argv: [String], cwd: String = "/",
        uid: UInt32 = 2001, env: [String: String] = [:], pidNS: UInt64 = 4026531836, startTicks: UInt64? = nil,
        comm: String? = nil
    ) -> ProcessSample {
        let stat = ProcessStat(
            pid: pid, comm: comm ?? String((argv.first ?? "?").split(separator: "/").last ?? "?"), state: "S", ppid: parent,
            pgid: pgid ?? sid ?? pid, sid: sid ?? pid, flags: 0, startTicks: startTicks ?? UInt64(pid) * 10)
        let status = ProcessStatus(
            uids: [uid, uid, uid, uid], gids: [uid, uid, uid, uid], groups: [], nspid: [pid],
            capabilities: CapabilitySets(inheritable: 0, permitted: 0, effective: 0, bounding: 0x1ff_ffff_ffff, ambient: 0),
            noNewPrivs: false, seccomp: .disabled, seccompFilters: 0, tracerPid: 0)
        var namespaces = NamespaceSet()
        namespaces[.pid] = pidNS
        namespaces[.mnt] = 4026531832
        namespaces[.user] = 4026531837
        let sample = ProcessSample(
            identity: ProcessIdentity(bootID: bootID, pid: pid, startTicks: stat.startTicks), stat: stat,
            startTime: UTCTime(millisecondsSinceEpoch: Int64(stat.startTicks) * 10), status: status, arguments: argv,
            cwd: LinkTarget(path: cwd, deleted: false), exe: nil, namespaces: namespaces, environment: env)
        processes.append(sample)
        return sample
    }
}
