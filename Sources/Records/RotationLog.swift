#if canImport(Glibc)
import Glibc
#endif
import Base

/// DIR/records/key_rotations.jsonl: byte-for-byte copies of the `key_rotation` lines of segments
/// that `isotrace prune` removed, in chain order. Prune copies them here (fsync) before it
/// unlinks a segment, so the path of keys from the root public key to the key of the first
/// record still kept never goes away (about 24 lines a day with hourly epochs).
///
/// Nothing in it is trusted for being there: each line is a signed record checked like any
/// other, in order, from the root key (`EpochKeyChain`), so a line removed, edited or forged
/// breaks the path and `verify` says where. It holds only records from before the chain's first
/// kept record: nothing written after the epoch it vouches for. A line of a seq the chain still
/// holds (a crash between the copy and the unlink) must be that same line.
public struct RotationLog: Sendable {
    public static let name = "key_rotations.jsonl"
    public var path: String
    private var directoryPath: String

    public init(directory: SegmentDirectory) {
        path = directory.path(of: Self.name)
        directoryPath = directory.path
    }

    /// What the log says, checked from `root`.
    public struct Contents: Sendable {
        public var path: String
        public var problems: [VerificationProblem] = []
        /// Each line's hash and line number, by seq.
        public var lineHashes: [Int64: (hash: String, line: Int)] = [:]
        /// The keys after each line, in order.
        var states: [(seq: Int64, keys: EpochKeyChain)] = []

        /// The keys of a chain whose first kept record has `seq`: after every logged rotation
        /// before it; nil when the log holds none.
        func keys(before seq: Int64) -> EpochKeyChain? {
            states.last(where: { $0.seq < seq })?.keys
        }
    }

    /// Reads and checks the log (a missing log is an empty one).
    public func read(from root: RecordPublicKey) throws(SystemCallError) -> Contents {
        var contents = Contents(path: path)
        guard Syscalls.exists(path) else { return contents }
        var reader = try LineReader(path: path)
        defer { reader.close() }
        var keys = EpochKeyChain(root: root)
        var lastSeq: Int64 = 0
        while let line = try reader.next() {
            func problem(_ seq: Int64?, _ reason: String) {
                contents.problems.append(VerificationProblem(file: path, line: line.number, seq: seq, reason: reason))
            }
            let outcome = keys.check(line: line.bytes)
            guard line.terminated else {
                problem(outcome.seq, "truncated line: no newline at the end of the rotation log")
                continue
            }
            for reason in outcome.reasons { problem(outcome.seq, reason) }
            if outcome.type != .keyRotation { problem(outcome.seq, "not a key_rotation record: the rotation log holds only those") }
            guard let seq = outcome.seq else { continue }
            if seq <= lastSeq { problem(seq, "seq \(seq) after seq \(lastSeq) in the rotation log: out of chain order") }
            lastSeq = max(lastSeq, seq)
            contents.lineHashes[seq] = (Record.hash(ofLine: line.bytes), line.number)
            contents.states.append((seq, keys))
        }
        return contents
    }

    /// Appends `lines` (complete record lines, without newlines) durably: one write, fsync, and
    /// the directory's fsync when this created the log. A partial last line from a crash is
    /// cut off first (it was never more than a copy).
    public func append(_ lines: [[UInt8]]) throws {
        guard !lines.isEmpty else { return }
        let existing = try Syscalls.openExistingStateFile(path, O_RDWR | O_APPEND)
        let created = existing == nil
        guard let fd = try existing ?? Syscalls.createStateFile(path, O_RDWR | O_APPEND, mode: 0o640) else {
            throw ChainError(path: path, reason: "appeared while prune held the writers' lock")
        }
        defer { Syscalls.closeFile(fd) }
        let tail = try SegmentTail.read(fd, path: path)
        if tail.hasPartialLine { try Syscalls.truncate(fd, to: tail.completeEnd, path: path) }
        try Syscalls.writeAll(fd, lines.flatMap { $0 + [0x0A] }, path: path)
        try Syscalls.sync(fd, path: path)
        if created { try Syscalls.fsyncDirectory(directoryPath) }
    }

    /// The seqs already copied (so a prune finishing an interrupted one copies nothing twice).
    public func copiedSeqs() throws(SystemCallError) -> Set<Int64> {
        guard Syscalls.exists(path) else { return [] }
        var reader = try LineReader(path: path)
        defer { reader.close() }
        var seqs: Set<Int64> = []
        while let line = try reader.next() {
            if line.terminated, let seq = RecordValidator.seq(of: line.bytes) { seqs.insert(seq) }
        }
        return seqs
    }
}
