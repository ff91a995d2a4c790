import Base
import Jobs
import ProcFS

/// The payload-versus-pilot isolation checks (ISO-*), one function per check kind.
enum IsolationChecks {
    /// ISO-UID: the payload's effective uid on the host differs from the pilot's.
    static func differentUID(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        guard let pilotUID = context.pilot.effectiveUID else { return rule.skip(context.pilot.pid, "pilot's uid unreadable") }
        for process in context.payload where !context.isRuntimeProcess(process) {
            guard let uid = process.effectiveUID else { return rule.skip(process.pid, "payload process \(process.pid): uid unreadable") }
            if uid == pilotUID {
                return rule.fail(process.pid, "payload runs as the pilot's uid \(uid)",
                                 ["pilot_pid": .int(context.pilot.pid), "pilot_uid": .int(pilotUID), "payload_uid": .int(uid)])
            }
        }
        let uids = Set(context.payload.filter { !context.isRuntimeProcess($0) }.compactMap(\.effectiveUID)).sorted()
        return rule.pass(context.job.rootPID, "payload uid \(uids.map(String.init).joined(separator: ",")) differs from the pilot's \(pilotUID)",
                         ["pilot_uid": .int(pilotUID), "payload_uids": .list(uids.map { .int($0) })])
    }

    /// ISO-PIDNS, ISO-MNTNS, ISO-IPCNS: the payload is in another namespace of the given kind.
    static func differentNamespace(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        guard let name = rule.parameters["namespace"]?.string, let kind = NamespaceKind(rawValue: name) else {
            return rule.skip(nil, "rule has no valid 'namespace' parameter")
        }
        guard let pilotNS = context.pilot.namespaces[kind] else {
            return rule.skip(context.pilot.pid, "pilot's \(name) namespace unreadable (\(context.pilot.unavailable["ns." + name]?.description ?? "unknown"))")
        }
        for process in context.payload where !context.isRuntimeProcess(process) {
            guard let ns = process.namespaces[kind] else {
                return rule.skip(process.pid, "payload process \(process.pid): \(name) namespace unreadable")
            }
            if ns == pilotNS {
                return rule.fail(process.pid, "payload shares the pilot's \(name) namespace \(ns)",
                                 ["namespace": .string(name), "pilot_pid": .int(context.pilot.pid), "pilot_ns": .int(pilotNS), "payload_ns": .int(ns)])
            }
        }
        return rule.pass(context.job.rootPID, "payload has its own \(name) namespace",
                         ["namespace": .string(name), "pilot_ns": .int(pilotNS),
                          "payload_ns": .list(Set(context.payload.filter { !context.isRuntimeProcess($0) }.compactMap { $0.namespaces[kind] })
                            .sorted().map { .int($0) })])
    }

    /// ISO-PROC: the payload cannot read the pilot's /proc entries. Fails when the pilot is visible
    /// and the payload runs as its uid or has CAP_SYS_PTRACE (hidepid does not hide a uid's own
    /// processes); warns when only the world-readable entries (status, cmdline) are exposed. The
    /// protected entries (environ, fd, maps, mem, root) need ptrace_may_access: the same uid counts
    /// only within the pilot's user namespace (see `sameUserNamespace`).
    static func procUnreadable(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        let pilot = context.pilot
        var warning: Finding?
        for process in context.payload where !context.isRuntimeProcess(process) {
            let visibility = Visibility.of(pilot, from: process)
            if visibility.isHidden { continue }
            guard let status = process.status, let pilotUID = pilot.effectiveUID else {
                return rule.skip(process.pid, "credentials unreadable")
            }
            let hidepid = context.mountNamespace(process.namespaces[.mnt])?.procHidePID
            let sameUserNS = sameUserNamespace(process, pilot)
            let evidence: [String: EvidenceValue] = [
                "pilot_pid": .int(pilot.pid), "payload_uid": .int(status.uids[1]), "pilot_uid": .int(pilotUID),
                "visibility": .string(visibility.reason), "hidepid": .text(hidepid),
                "cap_sys_ptrace": .boolean(Capability.sysPtrace.isSet(in: status.capabilities.effective)),
                "same_user_ns": .boolean(sameUserNS),
            ]
            if status.uids[1] == pilotUID && sameUserNS {
                return rule.fail(process.pid, "payload sees the pilot's /proc entries as the same uid \(pilotUID)", evidence)
            }
            if Capability.sysPtrace.isSet(in: status.capabilities.effective) && capabilityReaches(process, pilot) {
                return rule.fail(process.pid, "payload has CAP_SYS_PTRACE and sees the pilot's /proc entries", evidence)
            }
            if hidepid == nil || hidepid == "0" || hidepid == "off", warning == nil {
                warning = rule.warn(process.pid, "pilot visible in payload's /proc without hidepid: its status and cmdline are readable", evidence)
            }
        }
        return warning ?? rule.pass(context.job.rootPID, "payload cannot read the pilot's /proc entries", ["pilot_pid": .int(pilot.pid)])
    }

    /// ISO-SIGNAL: kill(2) needs the sender's real or effective uid to equal the target's real or
    /// saved uid, or CAP_KILL, and the target to be visible.
    static func signalBlocked(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        let pilot = context.pilot
        guard let pilotStatus = pilot.status else { return rule.skip(pilot.pid, "pilot's credentials unreadable") }
        for process in context.payload where !context.isRuntimeProcess(process) {
            let visibility = Visibility.of(pilot, from: process)
            if visibility.isHidden { continue }
            guard let status = process.status else { return rule.skip(process.pid, "payload credentials unreadable") }
            let senders = [status.uids[0], status.uids[1]]
            let targets = [pilotStatus.uids[0], pilotStatus.uids[2]]
            let uidMatch = senders.contains { targets.contains($0) }
            let capKill = Capability.kill.isSet(in: status.capabilities.effective)
            if uidMatch || capKill {
                return rule.fail(process.pid, uidMatch ? "payload can signal the pilot (matching uid)" : "payload has CAP_KILL and sees the pilot", [
                    "pilot_pid": .int(pilot.pid), "payload_uids": .list(senders.map { .int($0) }),
                    "pilot_uids": .list(targets.map { .int($0) }), "cap_kill": .boolean(capKill),
                    "visibility": .string(visibility.reason),
                ])
            }
        }
        return rule.pass(context.job.rootPID, "payload cannot signal the pilot", ["pilot_pid": .int(pilot.pid)])
    }

    /// ISO-PTRACE: nobody traces pilot or payload, and the payload cannot PTRACE_ATTACH to the pilot
    /// (real uid/gid matching all of the pilot's within the pilot's user namespace, or CAP_SYS_PTRACE
    /// in it, within Yama's ptrace_scope).
    static func ptraceBlocked(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        let pilot = context.pilot
        for process in [pilot] + context.payload {
            if let tracer = process.status?.tracerPid, tracer != 0 {
                return rule.fail(process.pid, "process \(process.pid) is being traced by pid \(tracer)",
                                 ["traced_pid": .int(process.pid), "tracer_pid": .int(tracer)])
            }
        }
        guard let pilotStatus = pilot.status else { return rule.skip(pilot.pid, "pilot's credentials unreadable") }
        let scope = context.snapshot.node.ptraceScope
        for process in context.payload where !context.isRuntimeProcess(process) {
            let visibility = Visibility.of(pilot, from: process)
            if visibility.isHidden { continue }
            guard let status = process.status else { return rule.skip(process.pid, "payload credentials unreadable") }
            let sameCredentials = pilotStatus.uids[0...2].allSatisfy { $0 == status.uids[0] }
                && pilotStatus.gids[0...2].allSatisfy { $0 == status.gids[0] }
            let capPtrace = Capability.sysPtrace.isSet(in: status.capabilities.effective)
            let sameUserNS = sameUserNamespace(process, pilot)
            // Yama: 1 allows only descendants (the pilot is the payload's ancestor), 2 only CAP_SYS_PTRACE, 3 nobody.
            let allowed = (sameCredentials && sameUserNS && (scope ?? 0) == 0)
                || (capPtrace && capabilityReaches(process, pilot) && (scope ?? 0) < 3)
            if allowed {
                return rule.fail(process.pid, "payload can attach to the pilot with ptrace", [
                    "pilot_pid": .int(pilot.pid), "ptrace_scope": .int(scope), "same_credentials": .boolean(sameCredentials),
                    "cap_sys_ptrace": .boolean(capPtrace), "same_user_ns": .boolean(sameUserNS), "visibility": .string(visibility.reason),
                ])
            }
        }
        return rule.pass(context.job.rootPID, "no tracer, and the payload cannot attach to the pilot",
                         ["ptrace_scope": .int(scope), "pilot_pid": .int(pilot.pid)])
    }

    /// ptrace_may_access (kernel/ptrace.c, cap_ptrace_access_check): matching uids give access only
    /// when caller and target share a user namespace; a payload in a child user namespace (an
    /// unprivileged container) cannot trace or read the protected /proc entries of a pilot of the
    /// same host uid outside it. An unreadable namespace counts as shared (the stricter verdict).
    private static func sameUserNamespace(_ payload: ProcessSample, _ pilot: ProcessSample) -> Bool {
        guard let payloadNS = payload.namespaces[.user], let pilotNS = pilot.namespaces[.user] else { return true }
        return payloadNS == pilotNS
    }

    /// CAP_SYS_PTRACE acts on the pilot only when held in the pilot's user namespace or in the
    /// initial one (an ancestor of every namespace); capabilities in a child namespace do not reach out.
    private static func capabilityReaches(_ payload: ProcessSample, _ pilot: ProcessSample) -> Bool {
        sameUserNamespace(payload, pilot) || payload.namespaces[.user] == initialUserNamespace
    }

    /// ISO-TMP: the mounts backing /tmp in the two mount namespaces differ. The backing directory
    /// is (device, mount root + path below the mount point), so a bind mount of the host's /tmp
    /// counts as the same /tmp.
    static func privateTmp(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        guard let pilotNS = context.mountNamespace(context.pilot.namespaces[.mnt]), let pilotTmp = TmpBacking.of(pilotNS) else {
            return rule.skip(context.pilot.pid, "pilot's mount table unreadable")
        }
        for process in context.payload where !context.isRuntimeProcess(process) {
            guard let namespace = context.mountNamespace(process.namespaces[.mnt]), let tmp = TmpBacking.of(namespace) else {
                return rule.skip(process.pid, "payload's mount table unreadable")
            }
            if tmp == pilotTmp {
                return rule.fail(process.pid, "payload's /tmp is the pilot's /tmp (\(tmp.device) \(tmp.directory))", [
                    "pilot_tmp": .string("\(pilotTmp.device):\(pilotTmp.directory)"), "payload_tmp": .string("\(tmp.device):\(tmp.directory)"),
                    "pilot_mnt_ns": .int(pilotNS.inode), "payload_mnt_ns": .int(namespace.inode),
                ])
            }
        }
        return rule.pass(context.job.rootPID, "payload has its own /tmp", ["pilot_tmp": .string("\(pilotTmp.device):\(pilotTmp.directory)")])
    }

    /// ISO-XPAYLOAD: processes of different jobs differ in uid or PID namespace.
    static func crossPayload(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        // Indices, not a filtered copy of the jobs: on a node with 1,000 jobs, copying the others
        // for each job dominated the whole audit.
        // Counted, and the first 20 named, in one pass: no list of the others per job (every job
        // asks, so that list made the check quadratic). The root PID first: two jobs' PanDA IDs
        // are compared only when their roots are one process.
        let jobs = context.graph.jobs
        let rootPID = context.job.rootPID, pandaID = context.job.pandaID
        var otherCount = 0
        var named: [EvidenceValue] = []
        for index in jobs.indices where jobs[index].rootPID != rootPID || jobs[index].pandaID != pandaID {
            otherCount += 1
            if named.count < 20 { named.append(.string(jobs[index].pandaID)) }
        }
        guard otherCount > 0 else { return rule.skip(context.job.rootPID, "no other job on the node") }
        for process in context.payload where !context.isRuntimeProcess(process) {
            guard let uid = process.effectiveUID, let ns = process.namespaces[.pid],
                  let peer = context.peers.peer(uid: uid, pidNamespace: ns, otherThan: context.job) else { continue }
            return rule.fail(process.pid, "shares uid \(uid) and PID namespace with job \(peer.pandaID) (pid \(peer.pid))", [
                "other_panda_id": .string(peer.pandaID), "other_pid": .int(peer.pid), "uid": .int(uid), "pid_ns": .int(ns),
            ])
        }
        // The first 20 other jobs by name (evidence stays small on a busy node), and how many.
        return rule.pass(context.job.rootPID, "separated from \(otherCount) other job(s) by uid or PID namespace",
                         ["other_jobs": .list(named), "other_job_count": .int(otherCount)])
    }
}

/// The directory that backs /tmp in a mount namespace.
struct TmpBacking: Equatable {
    var device: String
    var directory: String

    static func of(_ namespace: MountNamespaceSample) -> TmpBacking? {
        guard let mounts = namespace.mounts else { return nil }
        // The last mount over /tmp or over its closest ancestor wins (later mounts stack on top).
        var best: Int?
        for index in mounts.indices where covers(mounts[index].mountPoint, "/tmp") {
            if best == nil || mounts[index].mountPoint.utf8.count >= mounts[best!].mountPoint.utf8.count { best = index }
        }
        guard let best else { return nil }
        let mount = mounts[best]
        let below = String("/tmp".dropFirst(mount.mountPoint == "/" ? 0 : mount.mountPoint.count))
        var directory = mount.root == "/" ? below : mount.root + below
        if directory.isEmpty { directory = "/" }
        return TmpBacking(device: mount.device, directory: directory)
    }

    /// `mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")`, by bytes
    /// (no string made per mount: a job's check walks its namespace's whole table). For an
    /// ASCII `path` such as "/tmp" that is what String's comparisons find.
    private static func covers(_ mountPoint: String, _ path: String) -> Bool {
        let point = mountPoint.utf8, path = path.utf8
        if point.count == 1 && point.first == UInt8(ascii: "/") { return true }
        guard path.count >= point.count, path.starts(with: point) else { return false }
        return path.count == point.count || path[path.index(path.startIndex, offsetBy: point.count)] == UInt8(ascii: "/")
    }
}
