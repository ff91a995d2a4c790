import Base
import RecordIndex
import Records

/// Sends the records of one output directory (DIR/records) to the central database, in chain
/// order, in batches, remembering in DIR/sink.cursor how far the database acknowledged.
///
/// At-least-once: a batch is committed in the database before the cursor moves past it, so a
/// crash in between only sends it again, which the database ignores (ON CONFLICT (key_id, seq)
/// DO NOTHING). While the database is down nothing moves: the records stay in the segments and
/// are sent, in order, by the next `ship` that reaches it. A line still being written (no
/// newline yet) is left for the next time; a line that is not a record is reported, never sent.
public struct RecordShipper: Sendable {
    public var outputDirectory: String
    /// Records per INSERT.
    public var batchSize = 2_000
    public var batchBytes = 8 << 20
    /// The key_id every line is stored under (the chain's name in the database): the node's root
    /// key's for a chain signed with epoch keys, whose lines each carry their epoch key's id;
    /// nil: each line's own key_id (a chain signed with one key).
    public var chainKeyID: String?

    public init(outputDirectory: String, chainKeyID: String? = nil) {
        self.outputDirectory = outputDirectory
        self.chainKeyID = chainKeyID
    }

    /// What one `ship` did.
    public struct Report: Sendable, Equatable {
        /// Records sent in this run, and how many of them the database did not have yet.
        public var sent = 0
        public var inserted = 0
        public var lastSeq: Int64?
        /// Lines that are not records (file:line: reason): left on disk, not sent.
        public var problems: [String] = []
        /// Things worth saying on stderr (cursor reset, database behind the cursor).
        public var notices: [String] = []
    }

    public func ship(to database: CentralDatabase) async throws(SinkError) -> Report {
        var report = Report()
        let directory = SegmentDirectory(outputDirectory: outputDirectory)
        let segments: [String]
        do {
            segments = try directory.segments()
        } catch {
            throw .local("\(directory.path): \(error)")
        }
        var cursor = ShipCursor.load(outputDirectory: outputDirectory)
        if let current = cursor {
            if current.sink != database.url.endpoint {
                report.notices.append("cursor \(ShipCursor.path(outputDirectory: outputDirectory)) was for \(current.sink); sending every record to \(database.url.endpoint)")
                cursor = nil
            } else if !segments.contains(current.segment), true {
                report.notices.append("cursor \(ShipCursor.path(outputDirectory: outputDirectory)) names \(current.segment), which is not a segment any more; sending every record again")
                cursor = nil
            } else if !(try current.matches(recordsPath: directory.path)) {
                report.notices.append("cursor \(ShipCursor.path(outputDirectory: outputDirectory)) does not match \(current.segment) any more; sending every record again")
                cursor = nil
            } else if let keyID = current.keyID, let seq = current.seq {
                let stored = try await database.lastSeq(keyID: keyID)
                if (stored ?? 0) < seq {
                    report.notices.append("the database has key_id \(keyID) only up to seq \(stored.map(String.init) ?? "none"), the cursor says \(seq) was sent: sending every record again")
                    cursor = nil
                }
            }
        }
        var batch: [ShippedLine] = []
        var batchSize = 0
        var consumed: ShipCursor? = cursor
        var consumedLine: [UInt8] = []
        func flush() async throws(SinkError) {
            if !batch.isEmpty {
                report.inserted += try await database.insert(batch)
                report.sent += batch.count
                report.lastSeq = batch.last!.facts.seq
                batch.removeAll(keepingCapacity: true)
                batchSize = 0
            }
            if var next = consumed, next != cursor {
                if next.lineSHA256.isEmpty { next.lineSHA256 = Record.hash(ofLine: consumedLine) }
                try next.save(outputDirectory: outputDirectory)
                cursor = next
                consumed = next
            }
        }
        let startIndex = cursor.flatMap { segments.firstIndex(of: $0.segment) } ?? 0
        for segment in segments[startIndex...] {
            let resume = cursor?.segment == segment ? cursor : nil
            let path = directory.path(of: segment)
            var reader: LineReader
            do {
                reader = try LineReader(path: path, offset: resume?.offset ?? 0, firstLine: Int(resume?.line ?? 0) + 1)
            } catch where error.errno == .noSuchFileOrDirectory {
                continue
            } catch {
                throw LocalFile.sinkError(error)
            }
            defer { reader.close() }
            while true {
                let read: LineReader.Line?
                do { read = try reader.next() } catch { throw LocalFile.sinkError(error) }
                // A line still being written (no newline yet) is left for the next time.
                guard let read, read.terminated else { break }
                let line = read.bytes
                let lineNumber = Int64(read.number)
                let offset = read.offset + Int64(line.count) + 1
                // The line's hash is filled in when the cursor is saved (once per batch, not per line).
                var next = ShipCursor(sink: database.url.endpoint, segment: segment, offset: offset, line: lineNumber,
                                      lineLength: Int64(line.count), lineSHA256: "",
                                      keyID: consumed?.keyID, seq: consumed?.seq)
                consumedLine = line
                switch RecordFacts.extract(line) {
                case .failure(let problem):
                    report.problems.append("records/\(segment):\(lineNumber): \(problem): not sent")
                case .success(let facts):
                    guard let keyID = chainKeyID ?? facts.keyID else {
                        report.problems.append("records/\(segment):\(lineNumber): seq \(facts.seq): no key_id: not sent")
                        break
                    }
                    guard let text = String(validating: line, as: UTF8.self), !line.contains(0) else {
                        report.problems.append("records/\(segment):\(lineNumber): seq \(facts.seq): not UTF-8 text: not sent")
                        break
                    }
                    batch.append(ShippedLine(keyID: keyID, node: facts.hostname ?? "unknown", segment: "records/" + segment,
                                             lineNumber: lineNumber, text: text, facts: facts))
                    batchSize += line.count
                    next.keyID = keyID
                    next.seq = facts.seq
                }
                consumed = next
                if batch.count >= self.batchSize || batchSize >= batchBytes { try await flush() }
            }
        }
        try await flush()
        return report
    }
}
