import Base
import Foundation
import GRDB
import Records

/// Turns segment lines into index rows: one `record` row per line, and for `audit`, `process`
/// and `exit` records the process sightings, job sightings and findings they state. The rows go
/// to the database through `IndexInserter`. A line is read without Foundation's JSONDecoder when
/// it is canonical JSON (`read(_:)`); a record the writer has just appended is taken from the
/// facts it handed over or from its values.
struct RecordIngester {
    /// Record times parsed, the last second's calendar part kept (`RecordTimes`).
    private let times = RecordTimes()
    private let evidenceEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Indexes `line` when its seq is above `lastSeq`; returns why it was not indexed otherwise.
    func ingest(_ line: SegmentLine, after lastSeq: Int64?, into db: IndexInserter) throws -> Result<Int64, IndexProblem> {
        var none: Set<Int64>? = nil
        return try ingest(line, after: lastSeq, into: db, seenSeqs: &none)
    }

    /// As above, for lines in any order: `seen` holds the seqs indexed so far (a seq twice is skipped).
    func ingest(_ line: SegmentLine, after lastSeq: Int64?, into db: IndexInserter, skipping seen: inout Set<Int64>) throws -> Result<Int64, IndexProblem> {
        var seenSeqs: Set<Int64>? = seen
        defer { seen = seenSeqs ?? seen }
        return try ingest(line, after: lastSeq, into: db, seenSeqs: &seenSeqs)
    }

    /// Indexes a record the writer has just appended (`WrittenRecord`), at line `line` of `file`,
    /// from what it signed: the same rows as its line would give, without reading it back. The
    /// facts its body handed over are taken as they are (`IndexedEnvelope(handedOver:)`); else
    /// the values are read directly (`RecordValueReader`); only one that reader leaves (not a
    /// record as the index reads them) is decoded, for the same rows or the same reason.
    func ingest(_ written: WrittenRecord, file: String, line: Int64, after lastSeq: Int64?, into db: IndexInserter) throws -> Result<Int64, IndexProblem> {
        let place = RecordPlace(file: file, line: line, offset: written.offset, length: written.length, sha256: written.lineHash)
        var none: Set<Int64>? = nil
        let record = written.record
        if record.body.type == .process || record.body.type == .exit, let facts = record.body.processFacts,
           facts.withUnsafeBufferPointer({ buffer in buffer.indices.allSatisfy { RecordedProcess.readsAsStated(buffer.baseAddress![$0]) } }) {
            return try ingestEvents(record, facts, at: place, after: lastSeq, into: db)
        }
        if let handedOver = IndexedEnvelope(handedOver: record) {
            return try ingest(handedOver, at: place, after: lastSeq, into: db, seenSeqs: &none)
        }
        let unsigned = written.record.unsigned
        let envelope: IndexedEnvelope
        if let read = RecordValueReader.envelope(unsigned) {
            envelope = read
        } else {
            do {
                envelope = IndexedEnvelope(try RecordLine.decode(unsigned, body: IndexedBody.self))
            } catch {
                return .failure(IndexProblem(file: file, line: line, reason: "\(error): not indexed"))
            }
        }
        return try ingest(envelope, at: place, after: lastSeq, into: db, seenSeqs: &none)
    }

    private func ingest(_ line: SegmentLine, after lastSeq: Int64?, into db: IndexInserter, seenSeqs: inout Set<Int64>?) throws -> Result<Int64, IndexProblem> {
        func problem(_ reason: String) -> Result<Int64, IndexProblem> {
            .failure(IndexProblem(file: line.file, line: line.line, reason: reason))
        }
        guard line.complete else { return problem("incomplete last line (no newline): not indexed") }
        guard !line.bytes.isEmpty else { return problem("empty line: not indexed") }
        let envelope: IndexedEnvelope
        if let read = Self.read(line.bytes) {
            envelope = read
        } else {
            do {
                envelope = IndexedEnvelope(try RecordLine.decode(line.bytes, body: IndexedBody.self))
            } catch {
                return problem("\(error): not indexed")
            }
        }
        return try ingest(envelope, at: RecordPlace(file: line.file, line: line.line, offset: line.offset, length: Int64(line.bytes.count),
                                                    sha256: Record.hash(ofLine: line.bytes)),
                          after: lastSeq, into: db, seenSeqs: &seenSeqs)
    }

    /// What a line states, read without a decoder when the line is canonical JSON (as every line
    /// the writer makes is): parsed by the strict `JSONParser` and read by `RecordValueReader`.
    /// Nil for any other line, and wherever the reader leaves it: the ingester then decodes the
    /// line (`RecordLine.decode`), for the same values or the reason it is not a record. Canonical
    /// bytes leave no room for two readings (no duplicate keys, integers as digits within 2^53,
    /// strings in valid UTF-8 with RFC 8785's escapes), so both readers take the same values.
    static func read(_ line: [UInt8]) -> IndexedEnvelope? {
        guard CanonicalJSON.isCanonical(line), let value = try? JSONParser().parse(line) else { return nil }
        return RecordValueReader.envelope(value)
    }

    /// Where a record's line is, and the SHA-256 of its bytes.
    private struct RecordPlace {
        var file: String
        var line: Int64
        var offset: Int64
        var length: Int64
        var sha256: String
    }

    private func ingest(_ envelope: IndexedEnvelope, at place: RecordPlace, after lastSeq: Int64?, into db: IndexInserter,
                        seenSeqs: inout Set<Int64>?) throws -> Result<Int64, IndexProblem> {
        let time: UTCTime
        switch try insertRecord(seq: envelope.seq, type: envelope.type, time: envelope.time, node: envelope.node, at: place,
                                after: lastSeq, into: db, seenSeqs: &seenSeqs) {
        case .failure(let problem): return .failure(problem)
        case .success(let parsed): time = parsed
        }
        let body = envelope.body
        // Every type is named: a new one stops the compiler here until it says what the index takes from it.
        switch envelope.type {
        case .audit:
            if let audit = body.audit { try ingest(audit, envelope: envelope, time: time.millisecondsSinceEpoch, db: db) }
        case .process, .exit:
            // One process (seen by the sampler) or several of one job (seen by the event source).
            func row(_ process: RecordedProcess) -> ProcessSighting {
                let first = process.firstSeen.flatMap(times.milliseconds) ?? time.millisecondsSinceEpoch
                let last = process.lastSeen.flatMap(times.milliseconds) ?? time.millisecondsSinceEpoch
                return sighting(process, role: process.role ?? (process.pandaID == nil ? "process" : "payload"),
                                envelope: envelope, seen: first...max(first, last), job: nil)
            }
            // `process` first, then each of `processes` (read in place: no joined copy of them),
            // stored lean: what they share once a group (`IndexInserter.insertEvent`).
            if let process = body.process { try db.insert(row(process)) }
            if let processes = body.processes {
                for process in processes { try db.insertEvent(row(process), exit: envelope.type == .exit) }
                try db.endGroup()
            }
        case .finding:
            // The daemon's verdict changes: a job's first verdicts (when no audit record was
            // written in that cycle) and every later change of one rule.
            if let finding = body.finding {
                try db.insert(recorded(finding, pandaID: body.pandaID?.value, seq: envelope.seq, seen: time.millisecondsSinceEpoch))
            }
        case .recovery, .heartbeat, .checkpoint, .keyRotation:
            break  // the chain's own bookkeeping: indexed as a record row only
        }
        return .success(envelope.seq)
    }

    /// The record's own row, unless its time is invalid or its seq is not above `lastSeq` (or seen
    /// before): then why it is not indexed. Its time, parsed.
    private func insertRecord(seq: Int64, type: RecordType, time text: String, node: RecordNode?, at place: RecordPlace,
                              after lastSeq: Int64?, into db: IndexInserter, seenSeqs: inout Set<Int64>?) throws -> Result<UTCTime, IndexProblem> {
        func problem(_ reason: String) -> Result<UTCTime, IndexProblem> {
            .failure(IndexProblem(file: place.file, line: place.line, reason: reason))
        }
        guard let time = TimeExpression.rfc3339(text) else {
            return problem("seq \(seq): invalid time '\(text)': not indexed")
        }
        if let lastSeq, seq <= lastSeq {
            return problem("seq \(seq) is not above the last indexed seq \(lastSeq): not indexed")
        }
        if let seen = seenSeqs {
            guard !seen.contains(seq) else { return problem("seq \(seq) twice: not indexed") }
        }
        seenSeqs?.insert(seq)
        try db.insert(IndexedRecord(
            seq: seq, file: place.file, line: place.line, offset: place.offset, length: place.length,
            type: type.rawValue, time: time.millisecondsSinceEpoch, sha256: place.sha256,
            hostname: node?.hostname, bootID: node?.bootID))
        return .success(time)
    }

    /// A `process` or `exit` record the writer has just signed, whose facts read as stated
    /// (`RecordedProcess.readsAsStated`): the rows `ingest(_:at:...)` gives for the envelope
    /// `IndexedEnvelope(handedOver:)` makes of it (every fact an entry of `processes`), taken
    /// from the facts where they are, with no envelope, `RecordedProcess` or `ProcessSighting`
    /// copied out of them on the way.
    private func ingestEvents(_ record: Records.Record, _ facts: [ProcessFacts], at place: RecordPlace, after lastSeq: Int64?,
                              into db: IndexInserter) throws -> Result<Int64, IndexProblem> {
        var none: Set<Int64>? = nil
        let time: Int64
        switch try insertRecord(seq: record.seq, type: record.body.type, time: record.time.description, node: record.node, at: place,
                                after: lastSeq, into: db, seenSeqs: &none) {
        case .failure(let problem): return .failure(problem)
        case .success(let parsed): time = parsed.millisecondsSinceEpoch
        }
        let nodeBootID = record.node.bootID
        // Each fact read where it is (through a pointer: `for ... in` and a buffer's subscript copy it).
        try facts.withUnsafeBufferPointer { buffer in
            guard let facts = buffer.baseAddress else { return }
            for index in buffer.indices {
                // As `row` and `sighting` below, for an entry with no job.
                let first = facts[index].firstSeen.flatMap(times.milliseconds) ?? time
                let last = facts[index].lastSeen.flatMap(times.milliseconds) ?? time
                try db.insertEvent(facts[index], recordSeq: record.seq,
                                   role: facts[index].role ?? (facts[index].pandaID == nil ? "process" : "payload"),
                                   bootID: facts[index].bootID ?? nodeBootID ?? "", startTime: facts[index].startTime.flatMap(times.milliseconds),
                                   firstSeen: first, lastSeen: max(first, last), exit: record.body.type == .exit)
            }
        }
        try db.endGroup()
        return .success(record.seq)
    }

    private func ingest(_ audit: AuditDocument, envelope: IndexedEnvelope, time: Int64, db: IndexInserter) throws {
        let seen = audit.takenAt.flatMap(TimeExpression.rfc3339)?.millisecondsSinceEpoch ?? time
        for job in audit.jobs {
            try db.insert(JobSighting(
                recordSeq: envelope.seq, pandaID: job.pandaID, taskID: job.taskID,
                pilotBootID: job.pilot.map { $0.bootID ?? envelope.node?.bootID ?? "" }, pilotPID: job.pilot?.pid,
                pilotStartTicks: job.pilot?.startTicks, firstSeen: seen, lastSeen: seen, isolated: job.isolated,
                failingRules: job.failingRules, containerRuntime: job.container?.runtime,
                containerImage: job.container?.image, jobDirectory: job.jobDirectory, batchJobID: job.batchJobID?.text))
            if let pilot = job.pilot {
                try db.insert(sighting(pilot, role: "pilot", envelope: envelope, seen: seen...seen, job: job))
            }
            if let wrapper = job.pilotWrapper {
                try db.insert(sighting(wrapper, role: "pilot_wrapper", envelope: envelope, seen: seen...seen, job: job))
            }
            for process in job.processes {
                try db.insert(sighting(process, role: "payload", envelope: envelope, seen: seen...seen, job: job))
            }
            for finding in job.findings ?? [] {
                try db.insert(recorded(finding, pandaID: job.pandaID, seq: envelope.seq, seen: seen))
            }
        }
        for process in audit.unattributed ?? [] {
            var row = sighting(process, role: "unattributed", envelope: envelope, seen: seen...seen, job: nil)
            row.claimedPandaID = process.pandaID
            row.pandaID = nil
            try db.insert(row)
        }
        for finding in audit.nodeFindings ?? [] {
            try db.insert(recorded(finding, pandaID: nil, seq: envelope.seq, seen: seen))
        }
    }

    private func sighting(_ process: RecordedProcess, role: String, envelope: IndexedEnvelope,
                          seen: ClosedRange<Int64>, job: AuditJob?) -> ProcessSighting {
        let pilot: RecordedIdentity? = job?.pilot.map { RecordedIdentity(bootID: $0.bootID, pid: $0.pid, startTicks: $0.startTicks) }
            ?? process.pilot
        let bootID = process.bootID ?? envelope.node?.bootID ?? ""
        let ns = process.namespaces
        return ProcessSighting(
            recordSeq: envelope.seq, role: role, bootID: bootID, pid: process.pid, startTicks: process.startTicks,
            startTime: process.startTime.flatMap(times.milliseconds),
            firstSeen: seen.lowerBound, lastSeen: seen.upperBound, uid: process.uid, uids: process.uids, gids: process.gids,
            pandaID: job?.pandaID ?? process.pandaID, taskID: job?.taskID ?? process.taskID, claimedPandaID: nil,
            pilotBootID: pilot.map { $0.bootID ?? bootID }, pilotPID: pilot?.pid, pilotStartTicks: pilot?.startTicks,
            containerRuntime: process.container?.runtime, containerImage: process.container?.image,
            nsCgroup: ns?.cgroup, nsIPC: ns?.ipc, nsMnt: ns?.mnt, nsNet: ns?.net, nsPID: ns?.pid,
            nsPIDForChildren: ns?.pidForChildren, nsTime: ns?.time, nsUser: ns?.user, nsUTS: ns?.uts,
            cmdline: process.cmdline, exe: process.exe, cgroup: process.cgroup)
    }

    private func recorded(_ finding: RecordedFindingFacts, pandaID: String?, seq: Int64, seen: Int64) throws -> RecordedFinding {
        RecordedFinding(
            recordSeq: seq, seen: seen, pandaID: pandaID, rule: finding.rule, status: finding.status,
            severity: finding.severity, pid: finding.pid, message: finding.message,
            evidence: try finding.evidence.map(text))
    }

    /// The evidence as JSONEncoder writes its `EvidenceValue` with sorted keys: the writer's value
    /// written directly when `IndexJSONText` can, else decoded and encoded.
    private func text(_ evidence: FindingEvidence) throws -> String {
        switch evidence {
        case .decoded(let value):
            return String(decoding: try evidenceEncoder.encode(value), as: UTF8.self)
        case .value(let value):
            if let text = IndexJSONText.evidence(value) { return text }
            return String(decoding: try evidenceEncoder.encode(try JSONValueDecoder().decode(EvidenceValue.self, from: value)), as: UTF8.self)
        }
    }
}

/// `TimeExpression.rfc3339` in milliseconds for the times records hold: the writer's form
/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of a second already parsed (one of the last four) takes its
/// milliseconds only (the event entries of a record fall in a few seconds, and an entry's start,
/// first and last seen alternate between them); anything else is parsed whole.
final class RecordTimes {
    private static let kept = 4
    /// The first 20 bytes of each second kept (`kept` of them, one after the other), and its start.
    private var prefixes = [UInt8](repeating: 0, count: 20 * kept)
    private var secondStarts = [Int64](repeating: 0, count: kept)
    private var filled = 0
    private var next = 0

    func milliseconds(_ text: String) -> Int64? {
        var text = text
        let known: Int64? = text.withUTF8 { bytes in
            guard let fraction = Self.fraction(bytes) else { return nil }
            return prefixes.withUnsafeBufferPointer { prefixes in
                for slot in 0..<filled where memcmp(prefixes.baseAddress! + 20 * slot, bytes.baseAddress!, 20) == 0 {
                    return secondStarts[slot] + fraction
                }
                return nil
            }
        }
        if let known { return known }
        guard let parsed = TimeExpression.rfc3339(text)?.millisecondsSinceEpoch else { return nil }
        text.withUTF8 { bytes in
            guard let fraction = Self.fraction(bytes) else { return }
            let slot = next
            prefixes.withUnsafeMutableBufferPointer { prefixes in
                for index in 0..<20 { prefixes[20 * slot + index] = bytes[index] }
            }
            secondStarts[slot] = parsed - fraction
            next = (next + 1) % Self.kept
            filled = min(filled + 1, Self.kept)
        }
        return parsed
    }

    /// The milliseconds of text in the writer's form (24 bytes, `.mmmZ` at the end), else nil.
    private static func fraction(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count == 24, bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z") else { return nil }
        var value: Int64 = 0
        for index in 20..<23 {
            let digit = bytes[index] &- 48
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }
}
