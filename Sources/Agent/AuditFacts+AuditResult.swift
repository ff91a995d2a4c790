import Jobs
import Policy
import ProcFS
import Records

/// The policy's finding (`AuditFacts.Finding` is the record's).
private typealias PolicyFinding = Finding

extension AuditFacts {
    /// What `AuditJSONWriter` writes of `result` and the index reads, typed from the same values
    /// the writer takes (the audit record's `RecordBody.auditFacts`).
    init(_ result: AuditResult) {
        self.init(
            takenAt: result.snapshot.takenAt.description,
            jobs: result.jobs.map(Self.job),
            unattributed: result.graph.unattributed.map { ProcessFacts($0.process, pandaID: $0.claimedPandaID, container: nil) },
            nodeFindings: result.nodeFindings.map(Self.finding))
    }

    private static func job(_ audit: JobAudit) -> Job {
        let job = audit.job
        var processes: [ProcessFacts] = []
        processes.reserveCapacity(job.processes.count)
        for process in job.processes { processes.append(ProcessFacts(process, pandaID: job.pandaID, container: job.containers[process.pid])) }
        return Job(
            pandaID: job.pandaID, taskID: job.taskID, isolated: audit.isolated,
            failingRules: audit.findings.filter { $0.status == .fail }.map(\.rule),
            pilot: audit.pilot.map { ProcessFacts($0.process, pandaID: nil, container: nil) },
            pilotWrapper: audit.pilot?.wrapper.map { ProcessFacts($0, pandaID: nil, container: nil) },
            processes: processes, container: job.container.map { ProcessFacts.Container(runtime: $0.runtime, image: $0.image) },
            jobDirectory: job.jobDirectory, batchJobID: audit.batchJobID.map { BatchJobID(variable: $0.variable, value: $0.value) },
            findings: audit.findings.map(finding))
    }

    private static func finding(_ finding: PolicyFinding) -> Finding {
        Finding(rule: finding.rule, status: finding.status.rawValue, severity: finding.severity.rawValue, pid: finding.pid.map(Int64.init),
                message: finding.message,
                evidence: .object(finding.evidence.sorted { $0.key < $1.key }.map { JSONMember($0.key, value($0.value)) }))
    }

    /// An evidence value as the record states it (integers beyond 2^53 are refused by the record's
    /// writer, and by the index, which then reads the record).
    private static func value(_ evidence: EvidenceValue) -> JSONValue {
        switch evidence {
        case .string(let text): return .string(text)
        case .integer(let number): return .number(Double(number))
        case .boolean(let flag): return .bool(flag)
        case .list(let values): return .array(values.map(value))
        case .null: return .null
        }
    }
}

extension ProcessFacts {
    /// What the snapshot's process object states (`SnapshotJSONWriter`), with the audit's or
    /// the daemon's `panda_id` and `container`; the daemon's attribution keys are left nil.
    init(_ sample: ProcessSample, pandaID: String?, container: ContainerInfo?) {
        func inode(_ kind: NamespaceKind) -> Int64? { sample.namespaces[kind].map { Int64(clamping: $0) } }
        let status = sample.status
        self.init(
            pid: Int64(sample.identity.pid), startTicks: Int64(clamping: sample.identity.startTicks), startTime: sample.startTime.description,
            bootID: sample.identity.bootID, uid: status.map { Int64($0.uids[1]) }, uids: status.map { $0.uids.map(Int64.init) },
            gids: status.map { $0.gids.map(Int64.init) }, cmdline: sample.arguments, exe: sample.exe?.path, cgroup: sample.cgroupPath,
            namespaces: Namespaces(cgroup: inode(.cgroup), ipc: inode(.ipc), mnt: inode(.mnt), net: inode(.net), pid: inode(.pid),
                                   pidForChildren: inode(.pidForChildren), time: inode(.time), user: inode(.user), uts: inode(.uts)),
            pandaID: pandaID, taskID: nil, container: container.map { Container(runtime: $0.runtime, image: $0.image) },
            firstSeen: nil, lastSeen: nil, role: nil, pilot: nil)
    }
}
