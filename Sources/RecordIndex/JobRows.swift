import Base

/// The index rows of one job, before merging into a `JobReport`.
struct JobRows {
    var pandaID: String
    var jobs: [JobSighting]
    var processes: [ProcessSighting]
    var findings: [RecordedFinding]

    var isEmpty: Bool { jobs.isEmpty && processes.isEmpty && findings.isEmpty }

    var seqs: Set<Int64> {
        Set(jobs.map(\.recordSeq)).union(processes.map(\.recordSeq)).union(findings.map(\.recordSeq))
    }

    var firstSeen: Int64? {
        (jobs.map(\.firstSeen) + processes.map(\.firstSeen) + findings.map(\.seen)).min()
    }

    var lastSeen: Int64? {
        (jobs.map(\.lastSeen) + processes.map(\.lastSeen) + findings.map(\.seen)).max()
    }

    func report(references: [Int64: RecordReference]) -> JobReport {
        func cite(_ seqs: [Int64]) -> [RecordReference] { seqs.compactMap { references[$0] } }
        let latest = jobs.last
        let verdicts = SightingGroup.group(
            jobs, key: { VerdictKey(isolated: $0.isolated, failingRules: $0.failingRules ?? [], pilot: $0.pilot) },
            seen: { $0.firstSeen...$0.lastSeen }, seq: \.recordSeq
        ).map { group in
            VerdictReport(isolated: group.row.isolated, failingRules: group.row.failingRules ?? [], pilot: group.row.pilot,
                          firstSeen: UTCTime(millisecondsSinceEpoch: group.firstSeen),
                          lastSeen: UTCTime(millisecondsSinceEpoch: group.lastSeen), records: cite(group.seqs))
        }
        let findingReports = SightingGroup.group(findings, key: \.facts, seen: { $0.seen...$0.seen }, seq: \.recordSeq)
            .map { group in
                FindingReport(
                    rule: group.row.rule, status: group.row.status, severity: group.row.severity, pid: group.row.pid,
                    message: group.row.message, evidence: group.row.evidence.flatMap(EvidenceValue.parse),
                    firstSeen: UTCTime(millisecondsSinceEpoch: group.firstSeen),
                    lastSeen: UTCTime(millisecondsSinceEpoch: group.lastSeen), records: cite(group.seqs))
            }
        let pilot = latest.flatMap { job in
            job.pilotPID.map { ProcessIdentityReport(bootID: job.pilotBootID ?? "", pid: $0, startTicks: job.pilotStartTicks ?? 0) }
        } ?? processes.last(where: { $0.pilotPID != nil }).map {
            ProcessIdentityReport(bootID: $0.pilotBootID ?? $0.bootID, pid: $0.pilotPID!, startTicks: $0.pilotStartTicks ?? 0)
        }
        return JobReport(
            pandaID: pandaID, taskID: latest?.taskID ?? processes.last(where: { $0.taskID != nil })?.taskID,
            firstSeen: firstSeen.map(UTCTime.init(millisecondsSinceEpoch:)),
            lastSeen: lastSeen.map(UTCTime.init(millisecondsSinceEpoch:)),
            isolated: currentVerdict(latestAudit: latest), pilot: pilot, containerRuntime: latest?.containerRuntime,
            containerImage: latest?.containerImage, jobDirectory: latest?.jobDirectory, batchJobID: latest?.batchJobID,
            verdicts: verdicts, processes: QueryPlan.processReports(processes, references: references, pilotSideFirst: true),
            findings: findingReports, records: cite(jobs.map(\.recordSeq)), findingChanges: changes(cite: cite))
    }

    /// Each rule's status per process from when it took it until it changed, in time order.
    func changes(cite: ([Int64]) -> [RecordReference]) -> [FindingChange] {
        struct Key: Hashable { var rule: String; var pid: Int64? }
        var changes: [(key: Key, row: RecordedFinding, until: Int64, seqs: [Int64])] = []
        var latest: [Key: Int] = [:]
        for row in findings.sorted(by: { ($0.seen, $0.recordSeq) < ($1.seen, $1.recordSeq) }) {
            let key = Key(rule: row.rule, pid: row.pid)
            if let index = latest[key], changes[index].row.status == row.status {
                changes[index].until = max(changes[index].until, row.seen)
                if changes[index].seqs.last != row.recordSeq { changes[index].seqs.append(row.recordSeq) }
            } else {
                latest[key] = changes.count
                changes.append((key, row, row.seen, [row.recordSeq]))
            }
        }
        return changes.map { change in
            FindingChange(rule: change.row.rule, status: change.row.status, severity: change.row.severity, pid: change.row.pid,
                          message: change.row.message, evidence: change.row.evidence.flatMap(EvidenceValue.parse),
                          since: UTCTime(millisecondsSinceEpoch: change.row.seen), until: UTCTime(millisecondsSinceEpoch: change.until),
                          records: cite(change.seqs), forged: [])
        }
    }
}

extension JobRows {
    /// Isolated or not as the records last said: the latest audit's verdict, updated by the
    /// daemon's `finding` records written after it (a rule's status per record; a job the daemon
    /// saw start and end between two audits has only those). The audit's rule: isolated unless
    /// a rule of the isolation family fails.
    func currentVerdict(latestAudit: JobSighting?) -> Bool? {
        let since = latestAudit?.recordSeq ?? 0
        let later = findings.filter { $0.recordSeq > since }.sorted { $0.recordSeq < $1.recordSeq }
        guard !later.isEmpty else { return latestAudit?.isolated }
        var failing = Set(latestAudit?.failingRules ?? [])
        for finding in later {
            if finding.status == "fail" { failing.insert(finding.rule) } else { failing.remove(finding.rule) }
        }
        return !failing.contains { RuleFamily(ruleID: $0) == .isolation }
    }
}

/// A job's verdict: isolated or not, and which rules failed.
struct VerdictKey: Hashable {
    var isolated: Bool?
    var failingRules: [String]
    var pilot: ProcessIdentityReport?
}

extension JobSighting {
    /// The pilot instance that ran the job when this record saw it.
    var pilot: ProcessIdentityReport? {
        pilotPID.map { ProcessIdentityReport(bootID: pilotBootID ?? "", pid: $0, startTicks: pilotStartTicks ?? 0) }
    }
}
