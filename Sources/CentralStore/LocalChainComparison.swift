import Base
import Records

/// The local chain (DIR/records) against the central store's copy of it (`verify --db` on a node):
/// the central store is the anchor a node cannot reach, so a local chain cut back past a seq the
/// central store holds, or differing from it at a seq both hold, was changed after it was shipped.
///
/// A central record belongs to the local chain when it is signed by a key the local chain's records
/// name, or when it continues the local chain (its `prev` is the SHA-256 of the local line before
/// it, whatever its key: so a chain cut back and continued under another key is caught at the
/// first seq where the two part). Other records of the same host (an older chain under a key the
/// node no longer uses) are not compared. Seqs the local chain pruned are not compared either.
public struct LocalChainComparison: Sendable {
    /// One way the local chain and the central copy part.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var seq: Int64
        public var reason: String
        public var description: String { "seq \(seq): \(reason)" }
    }

    public var outputDirectory: String
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    public var keyIDs: [String] = []
    /// Seqs both hold with the same line.
    public var agreeing = 0
    /// The highest seq of the local chain the central store holds, and how many local records it
    /// does not hold yet (not shipped yet: no problem).
    public var lastShipped: Int64?
    public var notShipped = 0
    /// The first seq the central store holds beyond the local chain, or missing from it, and the
    /// first that differs, each with how many such seqs there are.
    public var problems: [Problem] = []

    public var agrees: Bool { problems.isEmpty }
}

/// One local record, as compact as the comparison needs (a chain of a million records is kept in
/// memory as about 50 MB).
struct LocalLine {
    var digest: LineDigest
    var prev: LineDigest?
    var segment: Int32
    var line: Int32
}

/// A hex SHA-256 as four words, so that a million of them stay small.
struct LineDigest: Equatable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    init?(hex: String) {
        guard hex.utf8.count == 64 else { return nil }
        var words: [UInt64] = []
        var text = Substring(hex)
        while !text.isEmpty {
            guard let word = UInt64(text.prefix(16), radix: 16) else { return nil }
            words.append(word)
            text = text.dropFirst(16)
        }
        self.words = (words[0], words[1], words[2], words[3])
    }

    static func == (a: LineDigest, b: LineDigest) -> Bool { a.words == b.words }

    var hex: String {
        [words.0, words.1, words.2, words.3].map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}

extension CentralDatabase {
    /// Compares the chain in `outputDirectory`/records with the central copy (see
    /// `LocalChainComparison`). Reads every local line once and the central records of the local
    /// chain's keys and hosts in pages, in seq order.
    public func compare(localChain outputDirectory: String) async throws(SinkError) -> LocalChainComparison {
        var comparison = LocalChainComparison(outputDirectory: outputDirectory)
        let directory = SegmentDirectory(outputDirectory: outputDirectory)
        let segments: [String]
        do { segments = try directory.segments() } catch { throw .local("\(directory.path): \(error)") }
        var lines: [LocalLine] = []
        var bySeq: [Int64: Int] = [:]   // only when the seqs are not consecutive (a chain verify calls tampered)
        var keyIDs: Set<String> = [], hosts: Set<String> = []
        for (segmentIndex, segment) in segments.enumerated() {
            var reader: LineReader
            do { reader = try LineReader(path: directory.path(of: segment)) } catch { throw LocalFile.sinkError(error) }
            defer { reader.close() }
            while true {
                let read: LineReader.Line?
                do { read = try reader.next() } catch { throw LocalFile.sinkError(error) }
                guard let read, read.terminated else { break }
                guard let value = try? JSONParser().parse(read.bytes), let seq = value["seq"]?.integerValue,
                      let digest = LineDigest(hex: Record.hash(ofLine: read.bytes)) else { continue }
                if let key = value["key_id"]?.stringValue { keyIDs.insert(key) }
                if let host = value["node"]?["hostname"]?.stringValue { hosts.insert(host) }
                let expected = (comparison.firstSeq ?? seq) + Int64(lines.count)
                if seq != expected || !bySeq.isEmpty {
                    if bySeq.isEmpty { for (index, _) in lines.enumerated() { bySeq[comparison.firstSeq! + Int64(index)] = index } }
                    if bySeq[seq] == nil { bySeq[seq] = lines.count }
                }
                comparison.firstSeq = comparison.firstSeq ?? seq
                comparison.lastSeq = max(comparison.lastSeq ?? seq, seq)
                lines.append(LocalLine(digest: digest, prev: value["prev"]?.stringValue.flatMap(LineDigest.init(hex:)),
                                       segment: Int32(segmentIndex), line: Int32(clamping: read.number)))
            }
        }
        func local(_ seq: Int64) -> LocalLine? {
            guard let first = comparison.firstSeq else { return nil }
            if !bySeq.isEmpty { return bySeq[seq].map { lines[$0] } }
            let index = seq - first
            return index >= 0 && index < Int64(lines.count) ? lines[Int(index)] : nil
        }
        func place(_ line: LocalLine) -> String { "\(directory.path(of: segments[Int(line.segment)])):\(line.line)" }

        // The node's own public key names its chain even when no local record is left to name it.
        if let key = try? RecordPublicKey.load(path: outputDirectory + "/keys/isotrace.pub") { keyIDs.insert(key.keyID) }
        comparison.keyIDs = keyIDs.sorted()
        let hostRows = try await run("SELECT DISTINCT key_id FROM isotrace.record WHERE node = ANY(\(hosts.sorted()))", "find the local hosts' chains")
        let centralKeys = keyIDs.union(try Self.decode(hostRows, as: (String).self))
        var beyond: (first: Int64, last: Int64, count: Int, keyID: String)?
        var gap: (first: Int64, count: Int)?
        var differs: (seq: Int64, count: Int, reason: String)?
        var shipped: Set<Int64> = []
        for key in centralKeys.sorted() {
            var after = Int64.min
            while true {
                let rows = try await run("""
                    SELECT seq, line FROM isotrace.record WHERE key_id = \(key) AND seq > \(after) ORDER BY seq LIMIT \(Self.verifyPage)
                    """, "read chain \(key)")
                if rows.isEmpty { break }
                for (seq, text) in try Self.decode(rows, as: (Int64, String).self) {
                    after = seq
                    let bytes = Array(text.utf8)
                    let digest = LineDigest(hex: Record.hash(ofLine: bytes))
                    let mine = local(seq)
                    if let mine, mine.digest == digest {
                        comparison.agreeing += 1
                        shipped.insert(seq)
                        continue
                    }
                    if let first = comparison.firstSeq, seq < first { continue }  // pruned locally
                    let prev = (try? JSONParser().parse(bytes))?["prev"]?.stringValue.flatMap(LineDigest.init(hex:))
                    let continuesLocal = prev != nil && local(seq - 1).map { $0.digest == prev! } == true
                    guard keyIDs.contains(key) || continuesLocal else { continue }
                    if let mine {
                        let reason = "differs from the central copy: the local line \(place(mine)) hashes to \(mine.digest.hex), the central one (key_id \(key)) to \(digest?.hex ?? "?"): rewritten after it was shipped"
                        if differs.map({ seq < $0.seq }) ?? true { differs = (seq, (differs?.count ?? 0) + 1, reason) } else { differs!.count += 1 }
                    } else if seq > comparison.lastSeq ?? 0 {
                        if let current = beyond {
                            beyond = (min(current.first, seq), max(current.last, seq), current.count + 1, seq < current.first ? key : current.keyID)
                        } else {
                            beyond = (seq, seq, 1, key)
                        }
                    } else {
                        gap = (min(gap?.first ?? seq, seq), (gap?.count ?? 0) + 1)
                    }
                }
            }
        }
        comparison.lastShipped = shipped.max()
        if let last = comparison.lastSeq {
            comparison.notShipped = Int(last - (comparison.lastShipped ?? ((comparison.firstSeq ?? 1) - 1)))
        }
        if let beyond {
            let tail = beyond.count == 1 ? "seq \(beyond.first)" : "\(beyond.count) record(s), seq \(beyond.first)-\(beyond.last)"
            let end = comparison.lastSeq.flatMap { last in local(last).map { "the local chain ends at seq \(last) (\(place($0)))" } }
                ?? "the local chain holds no record"
            comparison.problems.append(.init(seq: beyond.first, reason: "the local chain was cut back past seq \(beyond.first), which the central store holds (\(tail), key_id \(beyond.keyID)); \(end)"))
        }
        if let gap {
            comparison.problems.append(.init(seq: gap.first, reason: "missing from the local chain, which the central store holds" + (gap.count > 1 ? " (\(gap.count) such seqs)" : "")))
        }
        if let differs {
            comparison.problems.append(.init(seq: differs.seq, reason: differs.reason + (differs.count > 1 ? " (\(differs.count) such seqs)" : "")))
        }
        comparison.problems.sort { $0.seq < $1.seq }
        return comparison
    }
}
