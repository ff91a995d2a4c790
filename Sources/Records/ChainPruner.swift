import Base
import Crypto

/// Retention: removes whole segments older than a retention period, after a signed `checkpoint`
/// record (see `Checkpoint`) has made the removal part of the chain.
///
/// It holds the writers' lock throughout, refuses to prune a chain that does not verify (that
/// would destroy evidence of tampering), appends and fsyncs the checkpoint before unlinking
/// anything, and never removes the segment the checkpoint went to. A crash between the
/// checkpoint and the unlinks leaves the full chain, which still verifies; pruning again finishes.
public struct ChainPruner {
    public var outputDirectory: String
    public var key: RecordSigningKey
    public var node: RecordNode
    public var clock: () -> UTCTime

    public init(outputDirectory: String, key: RecordSigningKey, node: RecordNode, clock: @escaping () -> UTCTime = UTCTime.now) {
        self.outputDirectory = outputDirectory
        self.key = key
        self.node = node
        self.clock = clock
    }

    /// What a prune did (or, for a dry run, would do).
    public struct Report: Sendable {
        public var keptFromDate: String
        /// nil when nothing was old enough (no record written) or for a dry run.
        public var checkpoint: AppendedRecord?
        public var plan: Checkpoint?
        public var removedFiles: [String] = []
    }

    /// Removes the segments whose whole UTC day lies more than `olderThan` milliseconds in the past.
    /// `label` is the period as the user wrote it (`180d`), kept in the checkpoint.
    public func prune(olderThanMilliseconds olderThan: Int64, label: String, dryRun: Bool = false) throws -> Report {
        precondition(olderThan >= 86_400_000, "retention below one day would prune the current segment")
        let writer = try ChainWriter.open(outputDirectory: outputDirectory, key: key, node: node, clock: clock)
        defer { writer.close() }
        let directory = writer.directory
        let keptFromDate = String(UTCTime(millisecondsSinceEpoch: clock().millisecondsSinceEpoch - olderThan).description.prefix(10))
        var report = Report(keptFromDate: keptFromDate)
        let segments = try directory.segments()
        let old = segments.filter { $0.prefix(10) < keptFromDate }
        guard !old.isEmpty else { return report }

        let verification = try ChainVerifier(outputDirectory: outputDirectory, publicKey: key.publicKey).verify()
        guard verification.isIntact else {
            throw ChainError(path: directory.path, reason: "the chain does not verify (\(verification.problems.count) problem(s), first: \(verification.problems[0])); nothing pruned: run isotrace verify")
        }
        var removed: [Checkpoint.RemovedSegment] = []
        var lastRemovedHash = Record.genesisPrev
        for name in old {
            let (segment, lastLine) = try summary(of: name, in: directory)
            removed.append(segment)
            if let lastLine { lastRemovedHash = Record.hash(ofLine: lastLine) }
        }
        let kept = segments.dropFirst(old.count)
        var firstKeptSeq = writer.head.seq + 1  // with nothing kept, the checkpoint starts the chain
        for name in kept {
            if let seq = try firstSeq(of: name, in: directory) { firstKeptSeq = seq; break }
        }
        let partials = try Syscalls.listDirectory(directory.path)
            .filter { name in name.hasSuffix(".partial") && old.contains { name.hasPrefix($0 + ".") } }
            .sorted()
        let checkpoint = Checkpoint(
            olderThan: label, keptFromDate: keptFromDate, headSeq: writer.head.seq, headHash: writer.head.lineHash,
            firstKeptSeq: firstKeptSeq, firstKeptPrev: lastRemovedHash, removed: removed.filter { $0.records > 0 },
            removedPartialFiles: partials)
        report.plan = checkpoint
        let files = (old + partials).map(directory.path(of:))
        if dryRun {
            report.removedFiles = files
            return report
        }
        report.checkpoint = try writer.append(checkpoint.body)
        precondition(!old.contains { directory.path(of: $0) == report.checkpoint?.file }, "the checkpoint's segment is never pruned")
        for file in files {
            try Syscalls.removeExisting(file)
            report.removedFiles.append(file)
        }
        try Syscalls.fsyncDirectory(directory.path)
        return report
    }

    private func summary(of name: String, in directory: SegmentDirectory) throws -> (Checkpoint.RemovedSegment, [UInt8]?) {
        var reader = try LineReader(path: directory.path(of: name))
        defer { reader.close() }
        var hasher = SHA256()
        var records = 0, bytes: Int64 = 0
        var firstSeq: Int64 = 0, lastSeq: Int64 = 0
        var lastLine: [UInt8]?
        while let line = try reader.next() {
            hasher.update(data: line.bytes)
            bytes += Int64(line.bytes.count)
            if line.terminated {
                hasher.update(data: [0x0A])
                bytes += 1
            }
            records += 1
            let seq = try JSONParser().parse(line.bytes)["seq"]?.integerValue ?? 0
            if records == 1 { firstSeq = seq }
            lastSeq = seq
            lastLine = line.bytes
        }
        return (Checkpoint.RemovedSegment(name: name, records: records, bytes: bytes, sha256: Hex.string(hasher.finalize()),
                                          firstSeq: firstSeq, lastSeq: lastSeq), lastLine)
    }

    private func firstSeq(of name: String, in directory: SegmentDirectory) throws -> Int64? {
        var reader = try LineReader(path: directory.path(of: name))
        defer { reader.close() }
        guard let line = try reader.next() else { return nil }
        return try JSONParser().parse(line.bytes)["seq"]?.integerValue
    }
}
