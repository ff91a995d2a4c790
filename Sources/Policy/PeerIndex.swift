import Jobs
import ProcFS

/// For the cross-payload check: which jobs have a process with a given effective uid in a given
/// PID namespace (two processes sharing both can signal and ptrace each other). Built once per
/// audit, so the check costs one lookup per payload process instead of a pass over every job.
struct PeerIndex: Equatable {
    struct Key: Hashable {
        var uid: UInt32
        var pidNamespace: UInt64
    }

    /// The first process (in job order) of a job with that key.
    struct Peer: Equatable {
        var pandaID: String
        var rootPID: Int32
        var pid: Int32
    }

    /// Per key, the first process of each of the first two jobs that have it: enough to find
    /// one job other than the asking one.
    private var peers: [Key: [Peer]] = [:]

    init(_ jobs: [Job]) {
        for job in jobs {
            for peer in job.processes {
                guard let uid = peer.effectiveUID, let ns = peer.namespaces[.pid] else { continue }
                let key = Key(uid: uid, pidNamespace: ns)
                let known = peers[key, default: []]
                guard known.count < 2, !known.contains(where: { $0.pandaID == job.pandaID && $0.rootPID == job.rootPID }) else { continue }
                peers[key, default: []].append(Peer(pandaID: job.pandaID, rootPID: job.rootPID, pid: peer.pid))
            }
        }
    }

    /// The first process of another job than `job` with this uid and PID namespace.
    func peer(uid: UInt32, pidNamespace: UInt64, otherThan job: Job) -> Peer? {
        peers[Key(uid: uid, pidNamespace: pidNamespace)]?.first { $0.pandaID != job.pandaID || $0.rootPID != job.rootPID }
    }
}
