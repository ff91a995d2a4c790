import Base
import Foundation
import Records

/// `isotrace query` as it runs by default: the answer re-derived from the signed lines and
/// checked, never taken from the index alone.
///
/// 1. The index (brought up to date) says which records answer the query.
/// 2. The segments are read: every line the index cites, and every line that mentions the
///    subject (PanDA ID, task, PID or uid as text, a superset) or a job of the answer, so that an
///    index hiding a record is caught too. Those lines are indexed in memory and the same query
///    plan runs over them: that answer, taken from the lines themselves, is the one shown.
/// 3. The two answers must be equal. When they are not, the index was altered (its extracted
///    facts disagree with the signed lines, e.g. `UPDATE job_sighting SET panda_id=...`): it is
///    reported as tampered and rebuilt from the segments (or the user told how), and the answer
///    is never called verified.
/// 4. Every cited line is checked on its own (strict JSON, key_id, Ed25519 signature) and the
///    whole chain as `isotrace verify` does, so a record removed around the cited ones shows.
public struct VerifiedQuery {
    /// The state directory holding records/, keys/ and index.sqlite.
    public let directory: String
    public let publicKey: RecordPublicKey
    public let publicKeyPath: String

    public init(directory: String, publicKey: RecordPublicKey, publicKeyPath: String) {
        self.directory = directory
        self.publicKey = publicKey
        self.publicKeyPath = publicKeyPath
    }

    public func run(_ query: RecordQuery, window: TimeWindow = TimeWindow()) throws(IndexError) -> VerifiedAnswer {
        let update = try RecordIndex.update(directory: directory)
        var reader = try IndexReader(directory: directory)
        var notices = update.notices + (reader.notice.map { [$0] } ?? [])
        var indexed = try reader.run(query, window: window)
        var derived = try derive(query, window: window, indexed: indexed)
        var index = IndexConsistency.consistent
        if derived.result != indexed {
            let changed = Self.changedLines(index: indexed, lines: derived)
            let difference = changed ?? Self.difference(index: indexed, lines: derived.result)
            var advice = "rebuilt from the segments"
            do {
                try RecordIndex.rebuild(directory: directory)
                reader = try IndexReader(directory: directory)
                indexed = try reader.run(query, window: window)
                derived = try derive(query, window: window, indexed: indexed)
                if derived.result != indexed {
                    advice = "the rebuilt index still disagrees (\(Self.difference(index: indexed, lines: derived.result)))"
                }
            } catch {
                advice = "could not rebuild it (\(error)); run: isotrace index --rebuild --out \(directory)"
            }
            if changed != nil, advice == "rebuilt from the segments" {
                index = .stale(reason: difference)
                notices.append("index.sqlite was stale (\(difference)): \(advice)")
            } else {
                index = .tampered(reason: difference, rebuilt: advice == "rebuilt from the segments", advice: advice)
                notices.append("index.sqlite disagrees with the signed records: \(difference); \(advice)")
            }
        }
        let validator = ChainVerifier(outputDirectory: directory, publicKey: publicKey)
        let summary = chain()
        let citedSHA = Dictionary(indexed.records.map { ($0.seq, $0.sha256) }, uniquingKeysWith: { first, _ in first })
        var proofs: [RecordProof] = []
        var owners: [String: [RecordedOwner]] = [:]
        var nodes: [RecordNode] = []
        let pandaIDs = Set(derived.result.jobs.map(\.pandaID))
        for record in derived.result.records {
            guard let bytes = derived.lines[LinePlace(file: record.file, line: record.line)] else { continue }
            let problems = validator.problems(inLine: bytes, seq: record.seq, epochs: summary.epochs)
            let citation: ProofCheck = citedSHA[record.seq] == record.sha256 ? .verified
                : .failed(reason: "\(record.file):\(record.line) (seq \(record.seq)) is not the line the index holds for seq \(record.seq)")
            var keyID: String?
            for pandaID in pandaIDs.sorted() {
                guard let facts = RecordLineFacts.parse(bytes, pandaID: pandaID, seq: record.seq) else { continue }
                keyID = facts.keyID
                if problems.isEmpty { owners[pandaID, default: []] += facts.owners }
                if let node = facts.node, !nodes.contains(node) { nodes.append(node) }
            }
            if pandaIDs.isEmpty, let facts = RecordLineFacts.parse(bytes, pandaID: "", seq: record.seq) {
                keyID = facts.keyID
                if let node = facts.node, !nodes.contains(node) { nodes.append(node) }
            }
            proofs.append(RecordProof(record: record, keyID: keyID,
                                      signature: problems.isEmpty ? .verified : .failed(reason: problems.joined(separator: "; ")),
                                      citation: citation))
        }
        return VerifiedAnswer(
            result: derived.result, proofs: proofs, chain: summary.chain, index: index,
            owners: owners.mapValues(RecordLineFacts.merge), nodes: nodes, notices: notices, indexProblems: update.problems,
            citedLines: Dictionary(derived.result.records.compactMap { record in
                derived.lines[LinePlace(file: record.file, line: record.line)].map { (record.seq, $0) }
            }, uniquingKeysWith: { first, _ in first }),
            publicKeyPath: publicKeyPath, publicKeyID: publicKey.keyID)
    }

    /// The whole chain as `isotrace verify` checks it, summarised.
    func chain() -> (chain: ChainSummary, epochs: [EpochKeyChain.Epoch]) {
        do {
            let report = try ChainVerifier(outputDirectory: directory, publicKey: publicKey).verify()
            // A last line without its newline is one being written (or left by a crash, which the
            // writer recovers on its next start; only a file's last line can lack its newline): not
            // evidence of anything yet, as for the index.
            let last = try? SegmentReader.segments(directory: directory).last?.path
            var problems = report.problems.filter { problem in
                !(problem.file == last && problem.reason.hasPrefix("truncated line"))
            }.map(\.description)
            if report.records == 0 { problems.append("\(directory)/records: no record to verify") }
            return (ChainSummary(records: report.records, firstSeq: report.firstSeq, lastSeq: report.lastSeq, problems: problems), report.epochs)
        } catch {
            return (ChainSummary(records: 0, firstSeq: nil, lastSeq: nil, problems: ["\(directory)/records: \(error)"]), [])
        }
    }

    /// The answer from the segment lines: the cited ones and those mentioning the subject or one
    /// of the jobs found, indexed in memory. A second pass adds the lines of jobs the first found
    /// that neither the index nor the subject named.
    func derive(_ query: RecordQuery, window: TimeWindow, indexed: QueryResult) throws(IndexError) -> DerivedAnswer {
        let cited = Set(indexed.records.map { LinePlace(file: $0.file, line: $0.line) })
        var needles = Self.needles(query)
        needles.formUnion(Self.jobs(of: indexed))
        var lines = try read(cited: cited, needles: needles)
        var result = try LineIndex(lines: lines.map { SourcedLine(file: $0.key.file, line: $0.key.line, bytes: $0.value) })
            .run(query, window: window)
        if needles != Self.allLines {
            let more = Self.jobs(of: result).subtracting(needles)
            if !more.isEmpty {
                needles.formUnion(more)
                lines = try read(cited: cited, needles: needles)
                result = try LineIndex(lines: lines.map { SourcedLine(file: $0.key.file, line: $0.key.line, bytes: $0.value) })
                    .run(query, window: window)
            }
        }
        return DerivedAnswer(result: result, lines: lines)
    }

    /// Every complete segment line that is cited or contains one of `needles` (as bytes).
    private func read(cited: Set<LinePlace>, needles: Set<String>) throws(IndexError) -> [LinePlace: [UInt8]] {
        let patterns = needles.map { Array($0.utf8) }
        let everything = needles == Self.allLines
        var lines: [LinePlace: [UInt8]] = [:]
        for segment in try SegmentReader.segments(directory: directory) {
            do {
                try SegmentReader.forEachLine(of: segment, from: 0, firstLine: 1) { line in
                    guard line.complete else { return }
                    let place = LinePlace(file: line.file, line: line.line)
                    if everything || cited.contains(place) || patterns.contains(where: { Self.contains(line.bytes, $0) }) {
                        lines[place] = line.bytes
                    }
                }
            } catch let error as IndexError {
                throw error
            } catch {
                throw .unreadable(path: segment.path, reason: "\(error)")
            }
        }
        return lines
    }

    /// Marks "read every line" (a subject that JSON might spell with escapes).
    static let allLines: Set<String> = [""]

    /// The text a line mentioning the subject must contain: its digits or ID. A subject JSON
    /// could escape (anything but letters, digits and `._-`) means every line.
    static func needles(_ query: RecordQuery) -> Set<String> {
        let text: String?
        switch query {
        case .pandaID(let id): text = id
        case .taskID(let id): text = id
        case .pid(let pid, _): text = String(pid)
        case .uid(let uid): text = String(uid)
        case .jobs: text = nil
        }
        guard let text else { return [] }
        return plain(text) ? [text] : allLines
    }

    static func jobs(of result: QueryResult) -> Set<String> {
        let ids = Set(result.jobs.map(\.pandaID) + result.processes.compactMap(\.pandaID))
        return ids.allSatisfy(plain) ? ids : allLines
    }

    private static func plain(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        let last = haystack.count - needle.count
        var start = 0
        while start <= last, let found = haystack[start...last].firstIndex(of: first) {
            if haystack[found..<(found + needle.count)].elementsEqual(needle) { return true }
            start = found + 1
        }
        return false
    }

    /// The cited lines that changed after they were indexed (a segment edited, not the index):
    /// nil when every cited line still hashes to what the index holds.
    static func changedLines(index: QueryResult, lines: DerivedAnswer) -> String? {
        let changed = index.records.filter { record in
            lines.lines[LinePlace(file: record.file, line: record.line)].map { Record.hash(ofLine: $0) != record.sha256 } ?? true
        }
        guard let first = changed.first else { return nil }
        return "\(changed.count) cited line(s) changed after they were indexed, first \(first.file):\(first.line) (seq \(first.seq))"
    }

    /// What the index says that the signed lines do not, in a few words.
    static func difference(index: QueryResult, lines: QueryResult) -> String {
        let indexJobs = index.jobs.map(\.pandaID), lineJobs = lines.jobs.map(\.pandaID)
        if indexJobs != lineJobs {
            return "the index names job(s) [\(indexJobs.joined(separator: ", "))], the signed lines [\(lineJobs.joined(separator: ", "))]"
        }
        let indexSeqs = index.records.map(\.seq), lineSeqs = lines.records.map(\.seq)
        if indexSeqs != lineSeqs {
            return "the index cites seq [\(indexSeqs.map(String.init).joined(separator: ", "))], the signed lines give [\(lineSeqs.map(String.init).joined(separator: ", "))]"
        }
        if let (a, b) = zip(index.records, lines.records).first(where: { $0 != $1 }) {
            return "seq \(a.seq): the index holds \(a.file):\(a.line) sha256 \(a.sha256.prefix(12))…, the segment \(b.file):\(b.line) sha256 \(b.sha256.prefix(12))…"
        }
        for (a, b) in zip(index.jobs, lines.jobs) where a != b {
            if a.processes != b.processes { return "job \(a.pandaID): its processes differ from the signed lines" }
            if a.findings != b.findings { return "job \(a.pandaID): its findings differ from the signed lines" }
            return "job \(a.pandaID): its facts differ from the signed lines"
        }
        if index.processes != lines.processes { return "the processes differ from the signed lines" }
        return "the facts differ from the signed lines"
    }
}

/// A segment line's place: file relative to the state directory, 1-based line number.
struct LinePlace: Hashable {
    var file: String
    var line: Int64
}

/// The answer computed from the segment lines, with the lines it came from.
struct DerivedAnswer {
    var result: QueryResult
    var lines: [LinePlace: [UInt8]]
}

/// Whether the index agreed with the signed lines.
public enum IndexConsistency: Sendable, Equatable {
    case consistent
    /// Segment lines changed after they were indexed (`reason`): the index was rebuilt and now
    /// agrees; the changed lines are judged by their own signatures.
    case stale(reason: String)
    /// It did not (`reason`); `rebuilt` when it was rebuilt and now agrees; `advice` says what
    /// was done or what to do.
    case tampered(reason: String, rebuilt: Bool, advice: String)

    public var isTampered: Bool {
        if case .tampered = self { return true }
        return false
    }

    public var advice: String? {
        if case .tampered(_, _, let advice) = self { return advice }
        return nil
    }
}

/// A verified answer: the result taken from the signed lines, each cited record's check, the
/// chain, whether the index agreed, and the owners and nodes the lines state.
public struct VerifiedAnswer: Sendable {
    public var result: QueryResult
    public var proofs: [RecordProof]
    public var chain: ChainSummary
    public var index: IndexConsistency
    /// Per PanDA ID, the owners the verified lines state.
    public var owners: [String: [RecordedOwner]]
    public var nodes: [RecordNode]
    /// Index notices (moved aside, tampered and rebuilt) for stderr.
    public var notices: [String]
    /// Lines the index update skipped (not records).
    public var indexProblems: [IndexProblem]
    /// Every cited record's line as read (seq -> bytes without the newline).
    public var citedLines: [Int64: [UInt8]]
    public var publicKeyPath: String
    public var publicKeyID: String

    /// Every cited record verified, the chain intact, the index in agreement.
    public var isVerified: Bool {
        proofs.allSatisfy(\.isVerified) && chain.problems.isEmpty && !index.isTampered
    }
}
