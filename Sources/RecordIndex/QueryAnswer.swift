import Base

/// The answer of `isotrace query`, in the order a responder reads it (as auditd's `ausearch -i`
/// and `aureport`): per job one summary (task, payload uid, pilot PID and uid, owner, verdict),
/// then one row per process (start, end or "alive at last sight", command), one block per pilot
/// instance, and the findings once per change. Built from a `QueryResult` and, by default, the
/// check of every record it cites: a fact that only a failed record states is never summarised,
/// and each row shows where a failed record is cited (`FORGED: bad signature at file:line`).
/// Text, JSON and the HTML incident report all draw this one value.
public struct QueryAnswer: Encodable, Sendable {
    public enum Outcome: String, Encodable, Sendable {
        case found
        case notFound = "not_found"
        /// `--pid P --at T`: no record shows the PID's process alive at T.
        case notAlive = "not_alive"
    }

    public var query: RecordQuery
    public var window: TimeWindow
    public var outcome: Outcome
    /// What was asked and, when nothing (alive) matched, why: the line printed first.
    public var message: String?
    /// For --pid and --uid: the matching processes.
    public var processes: [ProcessRow]
    public var jobs: [JobAnswer]
    public var verification: AnswerVerification
    public var records: [RecordCheck]
    /// uid -> user name as the querying machine's passwd has it (set by the command; not a
    /// recorded fact: the node's names may differ).
    public var userNames: [Int64: String] = [:]

    /// Exit status 0: something matched (alive, for --pid --at), and verification (unless
    /// skipped) found nothing wrong.
    public var isClean: Bool { outcome == .found && verification.status != .failed }
}

/// One PanDA job, summary first.
public struct JobAnswer: Encodable, Sendable {
    public var pandaID: String
    public var taskID: String?
    /// The payload's effective uid(s), from verified records only (all records with --no-verify).
    public var payloadUIDs: [Int64]
    /// Pilot instances that ran the job, earliest first (several runs of the same PanDA ID are
    /// kept apart).
    public var pilots: [PilotBlock]
    /// Owner DNs stated by verified records; empty: "not recorded".
    public var owners: [OwnerAnswer]
    public var isolated: Bool?
    /// Failing rules of the current verdict.
    public var failingRules: [String]
    public var firstSeen: UTCTime?
    public var lastSeen: UTCTime?
    public var jobDirectory: String?
    public var containerRuntime: String?
    public var containerImage: String?
    public var batchJobID: String?
    /// Every process of the job, pilot side first, one row each.
    public var processes: [ProcessRow]
    public var findings: [FindingChange]
    /// The records that state the job itself.
    public var records: [RecordReference]
    /// Failed records cited anywhere in this job.
    public var forged: [RecordMark]
}

/// One process: who, when it started and ended (or that it was alive at its last sight), what
/// it ran, and the records that say so.
public struct ProcessRow: Encodable, Sendable, Equatable {
    public var role: String
    public var identity: ProcessIdentityReport
    public var uid: Int64?
    /// Every effective uid the verified records state for it, in order (a setuid shows as two).
    public var uidsSeen: [Int64]
    public var startTime: UTCTime?
    public var firstSeen: UTCTime
    public var lastSeen: UTCTime
    /// The daemon's `exit` record: the process was last seen alive at `lastSeen` and gone when
    /// this record was written. nil: alive at its last sight (no end recorded).
    public var exitRecorded: UTCTime?
    public var command: [String]?
    public var exe: String?
    public var pandaID: String?
    public var taskID: String?
    public var claimedPandaID: String?
    public var pilot: ProcessIdentityReport?
    public var containerRuntime: String?
    public var containerImage: String?
    public var namespaces: [String: Int64?]
    public var cgroup: String?
    public var records: [RecordReference]
    /// Cited records of this process that failed verification.
    public var forged: [RecordMark]
    /// Its facts come from verified records (false: only failed ones state it; true without
    /// verification means "not checked", see `AnswerVerification`).
    public var verified: Bool

    /// "alive at last sight 2026-..." or the end.
    public var endText: String {
        exitRecorded.map { _ in "ended after \(lastSeen)" } ?? "alive at last sight \(lastSeen)"
    }
}

/// One run of a pilot: its process (when recorded), its uid and command, when it was seen, its
/// payload processes and the verdicts given while it ran the job.
public struct PilotBlock: Encodable, Sendable {
    public var identity: ProcessIdentityReport
    public var uid: Int64?
    public var command: [String]?
    public var firstSeen: UTCTime?
    public var lastSeen: UTCTime?
    public var payloadPIDs: [Int64]
    public var verdicts: [VerdictReport]
}

/// An owner DN as verified records state it.
public struct OwnerAnswer: Encodable, Sendable, Equatable {
    public var dn: String
    public var source: String
    /// The payload could have written the file it came from: a claim, not evidence.
    public var payloadWritable: Bool
    public var seqs: [Int64]
}

/// A rule's status for one process from when it took it until it changed (findings once per
/// change, not once per record).
public struct FindingChange: Encodable, Sendable, Equatable {
    public var rule: String
    public var status: String
    public var severity: String?
    public var pid: Int64?
    public var message: String?
    public var evidence: EvidenceValue?
    public var since: UTCTime
    public var until: UTCTime
    public var records: [RecordReference]
    public var forged: [RecordMark]
}

/// A cited record that failed verification, where it is: "FORGED: bad signature at
/// records/2026-11-26.jsonl:104".
public struct RecordMark: Encodable, Sendable, Equatable, Hashable {
    public var seq: Int64
    public var file: String
    public var line: Int64
    public var reason: String

    public var text: String { "FORGED: \(reason) at \(file):\(line)" }
}

/// One cited record and its check.
public struct RecordCheck: Encodable, Sendable, Equatable {
    public enum Status: String, Encodable, Sendable { case verified, forged, notChecked = "not_checked" }
    public var seq: Int64
    public var file: String
    public var line: Int64
    public var type: String
    public var time: String
    public var sha256: String
    public var status: Status
    public var reason: String?
}

/// What was checked before the answer was printed.
public struct AnswerVerification: Encodable, Sendable {
    public enum Status: String, Encodable, Sendable {
        case verified
        case failed
        /// `--no-verify`: nothing checked; the facts are the index's.
        case notVerified = "not_verified"
    }
    public var status: Status
    /// How many records the answer cites.
    public var cited: Int
    public var publicKey: String?
    public var keyID: String?
    public var chain: ChainSummary?
    /// nil when not checked; "consistent", or why the index was found tampered and what was done.
    public var index: String?
    public var indexTampered: Bool
    public var failures: [RecordMark]
    /// Why nothing was checked, when nothing was.
    public var note: String?

    /// One line: "verified: all 12 cited record(s) verified, chain intact (40 record(s), seq 1-40), ...".
    public var summary: String {
        switch status {
        case .notVerified: return "NOT VERIFIED: " + (note ?? "facts as the index holds them")
        case .verified, .failed:
            var parts: [String] = []
            parts.append(cited == 0 ? "no record cited" : failures.isEmpty ? "all \(cited) cited record(s) verified"
                : "\(failures.count) of \(cited) cited record(s) FAILED verification")
            if let chain {
                parts.append(chain.problems.isEmpty
                    ? "chain intact (\(chain.records) record(s), seq \(chain.firstSeq.map(String.init) ?? "-")-\(chain.lastSeq.map(String.init) ?? "-"))"
                    : "CHAIN BROKEN: \(chain.problems.count) problem(s), first: \(chain.problems[0])")
            }
            if let index { parts.append(indexTampered ? "INDEX TAMPERED: \(index)" : "index \(index)") }
            if let keyID { parts.append("key_id \(keyID)") }
            return (status == .verified ? "verified: " : "VERIFICATION FAILED: ") + parts.joined(separator: ", ")
        }
    }
}

extension ChainSummary: Encodable {
    enum CodingKeys: String, CodingKey { case records, firstSeq = "first_seq", lastSeq = "last_seq", problems }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(records, forKey: .records)
        try container.encodeValueOrNull(firstSeq, forKey: .firstSeq)
        try container.encodeValueOrNull(lastSeq, forKey: .lastSeq)
        try container.encode(problems, forKey: .problems)
    }
}

// JSON: snake_case keys, every key present (null when absent), as the rest of query's output.

extension QueryAnswer {
    enum CodingKeys: String, CodingKey { case query, outcome, message, processes, jobs, verification, records, userNames = "user_names_local" }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var nested = container.nestedContainer(keyedBy: QueryResult.QueryKeys.self, forKey: .query)
        try QueryResult.encode(query, window: window, into: &nested)
        try container.encode(outcome, forKey: .outcome)
        try container.encodeValueOrNull(message, forKey: .message)
        try container.encode(processes, forKey: .processes)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(verification, forKey: .verification)
        try container.encode(records, forKey: .records)
        var names = container.nestedContainer(keyedBy: DynamicKey.self, forKey: .userNames)
        for (uid, name) in userNames.sorted(by: { $0.key < $1.key }) { try names.encode(name, forKey: DynamicKey(String(uid))) }
    }

    /// Every uid the answer shows (payload, pilot, process rows), for looking up names.
    public var uids: Set<Int64> {
        Set(processes.flatMap(\.uidsSeen) + jobs.flatMap { $0.payloadUIDs + $0.pilots.compactMap(\.uid) + $0.processes.flatMap(\.uidsSeen) })
    }
}

extension JobAnswer {
    enum CodingKeys: String, CodingKey {
        case pandaID = "panda_id", taskID = "task_id", payloadUIDs = "payload_uids", pilots, owners, isolated
        case failingRules = "failing_rules", firstSeen = "first_seen", lastSeen = "last_seen", jobDirectory = "job_directory"
        case container, batchJobID = "batch_job_id", processes, findings, records, forged
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pandaID, forKey: .pandaID)
        try c.encodeValueOrNull(taskID, forKey: .taskID)
        try c.encode(payloadUIDs, forKey: .payloadUIDs)
        try c.encode(pilots, forKey: .pilots)
        try c.encode(owners, forKey: .owners)
        try c.encodeValueOrNull(isolated, forKey: .isolated)
        try c.encode(failingRules, forKey: .failingRules)
        try c.encodeValueOrNull(firstSeen?.description, forKey: .firstSeen)
        try c.encodeValueOrNull(lastSeen?.description, forKey: .lastSeen)
        try c.encodeValueOrNull(jobDirectory, forKey: .jobDirectory)
        try c.encodeContainer(runtime: containerRuntime, image: containerImage, forKey: .container)
        try c.encodeValueOrNull(batchJobID, forKey: .batchJobID)
        try c.encode(processes, forKey: .processes)
        try c.encode(findings, forKey: .findings)
        try c.encode(records, forKey: .records)
        try c.encode(forged, forKey: .forged)
    }
}

extension ProcessRow {
    enum CodingKeys: String, CodingKey {
        case role, identity, uid, uidsSeen = "uids_seen", startTime = "start_time", firstSeen = "first_seen"
        case lastSeen = "last_seen", end, exitRecorded = "exit_recorded", command, exe, pandaID = "panda_id"
        case taskID = "task_id", claimedPandaID = "claimed_panda_id", pilot, container, namespaces = "ns", cgroup
        case records, forged, verified
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(role, forKey: .role)
        try c.encode(identity, forKey: .identity)
        try c.encodeValueOrNull(uid, forKey: .uid)
        try c.encode(uidsSeen, forKey: .uidsSeen)
        try c.encodeValueOrNull(startTime?.description, forKey: .startTime)
        try c.encode(firstSeen.description, forKey: .firstSeen)
        try c.encode(lastSeen.description, forKey: .lastSeen)
        try c.encode(endText, forKey: .end)
        try c.encodeValueOrNull(exitRecorded?.description, forKey: .exitRecorded)
        try c.encodeValueOrNull(command, forKey: .command)
        try c.encodeValueOrNull(exe, forKey: .exe)
        try c.encodeValueOrNull(pandaID, forKey: .pandaID)
        try c.encodeValueOrNull(taskID, forKey: .taskID)
        try c.encodeValueOrNull(claimedPandaID, forKey: .claimedPandaID)
        try c.encodeValueOrNull(pilot, forKey: .pilot)
        try c.encodeContainer(runtime: containerRuntime, image: containerImage, forKey: .container)
        var ns = c.nestedContainer(keyedBy: DynamicKey.self, forKey: .namespaces)
        for (kind, inode) in namespaces.sorted(by: { $0.key < $1.key }) { try ns.encodeValueOrNull(inode, forKey: DynamicKey(kind)) }
        try c.encodeValueOrNull(cgroup, forKey: .cgroup)
        try c.encode(records, forKey: .records)
        try c.encode(forged, forKey: .forged)
        try c.encode(verified, forKey: .verified)
    }
}

extension PilotBlock {
    enum CodingKeys: String, CodingKey {
        case identity, uid, command, firstSeen = "first_seen", lastSeen = "last_seen", payloadPIDs = "payload_pids", verdicts
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(identity, forKey: .identity)
        try c.encodeValueOrNull(uid, forKey: .uid)
        try c.encodeValueOrNull(command, forKey: .command)
        try c.encodeValueOrNull(firstSeen?.description, forKey: .firstSeen)
        try c.encodeValueOrNull(lastSeen?.description, forKey: .lastSeen)
        try c.encode(payloadPIDs, forKey: .payloadPIDs)
        try c.encode(verdicts, forKey: .verdicts)
    }
}

extension OwnerAnswer {
    enum CodingKeys: String, CodingKey { case dn, source, payloadWritable = "payload_writable", seqs }
}

extension FindingChange {
    enum CodingKeys: String, CodingKey { case rule, status, severity, pid, message, evidence, since, until, records, forged }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rule, forKey: .rule)
        try c.encode(status, forKey: .status)
        try c.encodeValueOrNull(severity, forKey: .severity)
        try c.encodeValueOrNull(pid, forKey: .pid)
        try c.encodeValueOrNull(message, forKey: .message)
        try c.encodeValueOrNull(evidence, forKey: .evidence)
        try c.encode(since.description, forKey: .since)
        try c.encode(until.description, forKey: .until)
        try c.encode(records, forKey: .records)
        try c.encode(forged, forKey: .forged)
    }
}

extension RecordMark {
    enum CodingKeys: String, CodingKey { case seq, file, line, reason, text }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(file, forKey: .file)
        try c.encode(line, forKey: .line)
        try c.encode(reason, forKey: .reason)
        try c.encode(text, forKey: .text)
    }
}

extension RecordCheck {
    enum CodingKeys: String, CodingKey { case seq, file, line, type, time, sha256, status, reason }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(file, forKey: .file)
        try c.encode(line, forKey: .line)
        try c.encode(type, forKey: .type)
        try c.encode(time, forKey: .time)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(status, forKey: .status)
        try c.encodeValueOrNull(reason, forKey: .reason)
    }
}

extension AnswerVerification {
    enum CodingKeys: String, CodingKey {
        case status, summary, cited, publicKey = "public_key", keyID = "key_id", chain, index, indexTampered = "index_tampered", failures, note
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(summary, forKey: .summary)
        try c.encode(cited, forKey: .cited)
        try c.encodeValueOrNull(publicKey, forKey: .publicKey)
        try c.encodeValueOrNull(keyID, forKey: .keyID)
        try c.encodeValueOrNull(chain, forKey: .chain)
        try c.encodeValueOrNull(index, forKey: .index)
        try c.encode(indexTampered, forKey: .indexTampered)
        try c.encode(failures, forKey: .failures)
        try c.encodeValueOrNull(note, forKey: .note)
    }
}
