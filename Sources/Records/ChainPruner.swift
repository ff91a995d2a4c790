import Base
import Crypto

/// Retention: removes whole segments older than a retention period, after a signed `checkpoint`
/// record (see `Checkpoint`) has made the removal part of the chain.
///
/// It holds the writers' lock throughout, refuses to prune a chain that does not verify (that
/// would destroy evidence of tampering), appends and fsyncs the checkpoint before unlinking
/// anything, and never removes the segment the checkpoint went to. A crash between the
/// checkpoint and the unlinks leaves the full chain, which still verifies; pruning again finishes.
///
/// The `key_rotation` lines of the removed segments are copied to the rotation log
/// (`RotationLog`, fsynced) before anything is unlinked, so `verify` still leads from the root
/// public key to the key of every record that remains. A crash after the copy leaves lines the
/// chain also holds, which `verify` accepts when they are the same bytes; pruning again copies
/// nothing twice.
public struct ChainPruner {
    public var outputDirectory: String
    public var signer: ChainSigner
    public var node: RecordNode
    public var clock: () -> UTCTime

    public init(outputDirectory: String, key: RecordSigningKey, node: RecordNode, clock: @escaping () -> UTCTime = UTCTime.now) {
        self.init(outputDirectory: outputDirectory, signer: .single(key), node: node, clock: clock)
    }

    public init(outputDirectory: String, signer: ChainSigner, node: RecordNode, clock: @escaping () -> UTCTime = UTCTime.now) {
        self.outputDirectory = outputDirectory
        self.signer = signer
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
        /// `key_rotation` records of the removed segments, kept in the rotation log.
        public var rotationsKept = 0
    }

    /// Removes the segments whose whole UTC day lies more than `olderThan` milliseconds in the past.
    /// `label` is the period as the user wrote it (`180d`), kept in the checkpoint.
    public func prune(olderThanMilliseconds olderThan: Int64, label: String, dryRun: Bool = false) throws -> Report {
        precondition(olderThan >= 86_400_000, "retention below one day would prune the current segment")
        let writer = try ChainWriter.open(outputDirectory: outputDirectory, signer: signer, node: node, clock: clock)
        defer { writer.close() }
        let directory = writer.directory
        let keptFromDate = String(UTCTime(millisecondsSinceEpoch: clock().millisecondsSinceEpoch - olderThan).description.prefix(10))
        var report = Report(keptFromDate: keptFromDate)
        let segments = try directory.segments()
        let old = segments.filter { $0.prefix(10) < keptFromDate }
        guard !old.isEmpty else { return report }

        let verification = try ChainVerifier(outputDirectory: outputDirectory, publicKey: signer.rootPublicKey).verify()
        guard verification.isIntact else {
            throw ChainError(path: directory.path, reason: "the chain does not verify (\(verification.problems.count) problem(s), first: \(verification.problems[0])); nothing pruned: run isotrace verify")
        }
        var removed: [Checkpoint.RemovedSegment] = []
        var lastRemovedHash = Record.genesisPrev
        var rotations: [(seq: Int64, line: [UInt8])] = []
        for name in old {
            let (segment, lastLine, rotationLines) = try summary(of: name, in: directory)
            removed.append(segment)
            rotations += rotationLines
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
        let log = RotationLog(directory: directory)
        let copied = try log.copiedSeqs()
        try log.append(rotations.filter { !copied.contains($0.seq) }.map(\.line))
        report.rotationsKept = rotations.count
        precondition(!old.contains { directory.path(of: $0) == report.checkpoint?.file }, "the checkpoint's segment is never pruned")
        for file in files {
            try Syscalls.removeExisting(file)
            report.removedFiles.append(file)
        }
        try Syscalls.fsyncDirectory(directory.path)
        return report
    }

    private func summary(of name: String, in directory: SegmentDirectory) throws -> (Checkpoint.RemovedSegment, [UInt8]?, [(seq: Int64, line: [UInt8])]) {
        var reader = try LineReader(path: directory.path(of: name))
        defer { reader.close() }
        var hasher = SHA256()
        var records = 0, bytes: Int64 = 0
        var firstSeq: Int64 = 0, lastSeq: Int64 = 0
        var lastLine: [UInt8]?
        var rotations: [(seq: Int64, line: [UInt8])] = []
        while let line = try reader.next() {
            hasher.update(data: line.bytes)
            bytes += Int64(line.bytes.count)
            if line.terminated {
                hasher.update(data: [0x0A])
                bytes += 1
            }
            records += 1
            let record = try JSONParser().parse(line.bytes)
            let seq = record["seq"]?.integerValue ?? 0
            if record["type"]?.stringValue == RecordType.keyRotation.rawValue { rotations.append((seq, line.bytes)) }
            if records == 1 { firstSeq = seq }
            lastSeq = seq
            lastLine = line.bytes
        }
        return (Checkpoint.RemovedSegment(name: name, records: records, bytes: bytes, sha256: Hex.string(hasher.finalize()),
                                          firstSeq: firstSeq, lastSeq: lastSeq), lastLine, rotations)
    }

    private func firstSeq(of name: String, in directory: SegmentDirectory) throws -> Int64? {
        var reader = try LineReader(path: directory.path(of: name))
        defer { reader.close() }
        guard let line = try reader.next() else { return nil }
        return try JSONParser().parse(line.bytes)["seq"]?.integerValue
    }
}
