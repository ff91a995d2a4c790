import Base

extension QueryAnswer {
    /// The answer from a verified query: facts from the signed lines, failed records marked.
    public init(_ verified: VerifiedAnswer, directory: String) {
        var failed: [Int64: String] = [:]
        for proof in verified.proofs {
            let reasons = [proof.signature, proof.citation].compactMap { check -> String? in
                if case .failed(let reason) = check { return reason }
                return nil
            }
            if !reasons.isEmpty { failed[proof.record.seq] = reasons.joined(separator: "; ") }
        }
        let marks = Dictionary(uniqueKeysWithValues: verified.result.records.compactMap { record in
            failed[record.seq].map { (record.seq, RecordMark(seq: record.seq, file: record.file, line: record.line, reason: $0)) }
        })
        let tampered: Bool
        let indexText: String
        switch verified.index {
        case .consistent: (tampered, indexText) = (false, "consistent with the signed records")
        case .stale(let reason): (tampered, indexText) = (false, "rebuilt: \(reason)")
        case .tampered(let reason, _, let advice): (tampered, indexText) = (true, "\(reason); \(advice)")
        }
        let verification = AnswerVerification(
            status: verified.isVerified ? .verified : .failed, cited: verified.result.records.count, publicKey: verified.publicKeyPath, keyID: verified.publicKeyID,
            chain: verified.chain, index: indexText, indexTampered: tampered,
            failures: marks.values.sorted { $0.seq < $1.seq }, note: nil)
        self.init(verified.result, marks: marks, checked: true, owners: verified.owners, verification: verification, directory: directory)
    }

    /// The answer as the index holds it (`--no-verify`): nothing checked, and said so (`note`).
    public init(unverified result: QueryResult, owners: [String: [RecordedOwner]] = [:], directory: String,
                note: String = "--no-verify: the facts as the index holds them") {
        let verification = AnswerVerification(status: .notVerified, cited: result.records.count, publicKey: nil, keyID: nil, chain: nil, index: nil,
                                              indexTampered: false, failures: [], note: note)
        self.init(result, marks: [:], checked: false, owners: owners, verification: verification, directory: directory)
    }

    init(_ result: QueryResult, marks: [Int64: RecordMark], checked: Bool, owners: [String: [RecordedOwner]],
         verification: AnswerVerification, directory: String) {
        let types = Dictionary(result.records.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = RowBuilder(marks: marks, records: types)
        query = result.query
        window = result.window
        self.verification = verification
        records = result.records.map { record in
            let mark = marks[record.seq]
            return RecordCheck(seq: record.seq, file: record.file, line: record.line, type: record.type, time: record.time,
                               sha256: record.sha256, status: !checked ? .notChecked : mark == nil ? .verified : .forged,
                               reason: mark?.reason)
        }
        processes = rows.rows(result.processes)
        jobs = result.jobs.map { job in rows.job(job, owners: owners[job.pandaID] ?? []) }
        (outcome, message) = Self.outcome(result, processes: processes, records: types, directory: directory)
    }

    /// Found or not, and the line that says so when nothing (alive) matched.
    static func outcome(_ result: QueryResult, processes: [ProcessRow], records: [Int64: CitedRecord],
                        directory: String) -> (Outcome, String?) {
        let window = Self.describe(result.window)
        guard !result.isEmpty else {
            return (.notFound, "no record of \(result.subject)\(window) in \(directory)/records")
        }
        guard case .pid(let pid, let at?) = result.query, let row = processes.first else { return (.found, nil) }
        let job = row.pandaID.map { " (PanDA job \($0))" } ?? ""
        if (row.startTime ?? row.firstSeen) <= at, at <= row.lastSeen {
            return (.found, nil)
        }
        if let exit = row.exitRecorded {
            return (.notAlive, "PID \(pid) was not alive at \(at): the last process with that PID before then\(job) was last seen \(row.lastSeen) and its exit was recorded \(exit)")
        }
        let daemonTracked = row.records.contains { records[$0.seq]?.type == "process" }
        if daemonTracked {
            return (.found, "PID \(pid) at \(at): alive at its last sight \(row.lastSeen) and no exit recorded after it (the daemon records one when it goes)")
        }
        return (.notAlive, "no record shows PID \(pid) alive at \(at): the last process with that PID started before then\(job) was last seen \(row.lastSeen), and no later record saw it")
    }

    public static func describe(_ window: TimeWindow) -> String {
        switch (window.since, window.until) {
        case (nil, nil): return ""
        case (let since?, nil): return " since \(since)"
        case (nil, let until?): return " until \(until)"
        case (let since?, let until?): return " between \(since) and \(until)"
        }
    }
}

/// Turns per-state process reports into one row per process, and jobs into their answers.
private struct RowBuilder {
    var marks: [Int64: RecordMark]
    var records: [Int64: CitedRecord]

    func forged(_ references: [RecordReference]) -> [RecordMark] {
        var seen = Set<Int64>()
        return references.compactMap { reference in seen.insert(reference.seq).inserted ? marks[reference.seq] : nil }
    }

    /// One row per identity, in the order of each identity's first state. Facts come from the
    /// states a verified record states (all states when none is): a fact only a failed record
    /// states is never shown as the process's; the failed records are marked on the row.
    func rows(_ states: [ProcessReport]) -> [ProcessRow] {
        var order: [ProcessIdentityReport] = []
        var byIdentity: [ProcessIdentityReport: [ProcessReport]] = [:]
        for state in states {
            if byIdentity[state.identity] == nil { order.append(state.identity) }
            byIdentity[state.identity, default: []].append(state)
        }
        return order.map { identity in row(byIdentity[identity]!) }
    }

    private func row(_ states: [ProcessReport]) -> ProcessRow {
        let confirmed = states.filter { state in state.records.contains { marks[$0.seq] == nil } }
        let trusted = confirmed.isEmpty ? states : confirmed
        let rich = trusted.last { $0.cmdline != nil } ?? trusted.last!
        let latest = trusted.last!
        var uids: [Int64] = []
        for state in trusted.sorted(by: { $0.firstSeen < $1.firstSeen }) {
            if let uid = state.uid, uids.last != uid { uids.append(uid) }
        }
        let references = states.flatMap(\.records).reduce(into: [RecordReference]()) { list, reference in
            if !list.contains(reference) { list.append(reference) }
        }.sorted()
        let exit = references.compactMap { records[$0.seq] }.last { $0.type == "exit" }
        return ProcessRow(
            role: rich.role, identity: rich.identity, uid: latest.uid, uidsSeen: uids,
            startTime: rich.startTime ?? latest.startTime,
            firstSeen: trusted.map(\.firstSeen).min()!, lastSeen: trusted.map(\.lastSeen).max()!,
            exitRecorded: exit.flatMap { TimeExpression.rfc3339($0.time) },
            command: rich.cmdline, exe: rich.exe, pandaID: latest.pandaID, taskID: latest.taskID,
            claimedPandaID: latest.claimedPandaID, pilot: latest.pilot, containerRuntime: rich.containerRuntime,
            containerImage: rich.containerImage, namespaces: rich.namespaces, cgroup: rich.cgroup,
            records: references, forged: forged(references), verified: !confirmed.isEmpty)
    }

    func job(_ job: JobReport, owners: [RecordedOwner]) -> JobAnswer {
        let processes = rows(job.processes)
        let payloadUIDs = processes.filter { $0.role == "payload" && $0.verified }
            .flatMap(\.uidsSeen).reduce(into: [Int64]()) { if !$0.contains($1) { $0.append($1) } }
        var pilotIDs: [ProcessIdentityReport] = []
        for identity in processes.compactMap(\.pilot) + job.verdicts.compactMap(\.pilot) where !pilotIDs.contains(identity) {
            pilotIDs.append(identity)
        }
        let pilots = pilotIDs.map { identity -> PilotBlock in
            let own = processes.first { $0.role == "pilot" && $0.identity == identity }
            let payloads = processes.filter { $0.role == "payload" && $0.pilot == identity }
            let verdicts = job.verdicts.filter { $0.pilot == identity }
            let times = [own?.firstSeen, own?.lastSeen].compactMap { $0 } + payloads.flatMap { [$0.firstSeen, $0.lastSeen] }
                + verdicts.flatMap { [$0.firstSeen, $0.lastSeen] }
            return PilotBlock(identity: identity, uid: own?.uid, command: own?.command, firstSeen: times.min(), lastSeen: times.max(),
                              payloadPIDs: payloads.map(\.identity.pid), verdicts: verdicts)
        }.sorted { ($0.firstSeen?.millisecondsSinceEpoch ?? .min, $0.identity.pid) < ($1.firstSeen?.millisecondsSinceEpoch ?? .min, $1.identity.pid) }
        let findings = job.findingChanges.map { change -> FindingChange in
            var change = change
            change.forged = forged(change.records)
            return change
        }
        let current = job.verdicts.last
        var failingRules = current?.failingRules ?? []
        if job.isolated != current?.isolated || current == nil {
            // The daemon's later findings changed the verdict: its failing rules are theirs.
            var latest: [String: String] = [:]
            for change in findings { latest[change.rule] = change.status }
            failingRules = latest.filter { $0.value == "fail" }.keys.sorted()
        }
        let all = processes.flatMap(\.forged) + findings.flatMap(\.forged) + forged(job.records)
        return JobAnswer(
            pandaID: job.pandaID, taskID: job.taskID, payloadUIDs: payloadUIDs, pilots: pilots,
            owners: owners.map { OwnerAnswer(dn: $0.dn, source: $0.source, payloadWritable: $0.payloadWritable, seqs: $0.seqs) },
            isolated: job.isolated, failingRules: failingRules, firstSeen: job.firstSeen, lastSeen: job.lastSeen,
            jobDirectory: job.jobDirectory, containerRuntime: job.containerRuntime, containerImage: job.containerImage,
            batchJobID: job.batchJobID, processes: processes, findings: findings, records: job.records,
            forged: Array(Set(all)).sorted { $0.seq < $1.seq })
    }
}
