import Base

/// Checks every line of every segment in chain order with only the public key: each record on
/// its own (`RecordValidator`), then the chain: `prev` is the SHA-256 of the previous line (64
/// zeros for the first), `seq` goes up by exactly one, and every segment ends with a newline.
/// Every problem is reported with file, line and seq; checking goes on after one, so a single
/// edit shows up as all of its consequences (bad signature here, broken chain on the next line).
/// A chain may start after seq 1 only where `isotrace prune` removed old segments: a valid
/// `checkpoint` record later in the chain must name exactly that start (seq and prev); any other
/// missing beginning is a problem.
/// Each record's `time` falls on its segment's UTC day (`ChainLinks`), so segments renamed to
/// older dates (to be pruned early) do not verify.
/// With anchors (chain heads kept off the node: syslog, a SIEM), each applicable anchor's seq must
/// still be in the chain with a line hashing to its sha256 (`AnchorOutcome`): a chain cut back or
/// rewritten after the head left the node fails even when every signature in it is good.
/// Operational problems (unreadable directory or segment) are thrown instead.
public struct ChainVerifier {
    public var directory: SegmentDirectory
    public var publicKey: RecordPublicKey

    public init(outputDirectory: String, publicKey: RecordPublicKey) {
        directory = SegmentDirectory(outputDirectory: outputDirectory)
        self.publicKey = publicKey
    }

    /// The problems of one record line on its own (strict JSON, keys for its type, key_id,
    /// signature), without the chain: for checking the records a query cites. Empty when valid.
    public func problems(inLine line: [UInt8]) -> [String] {
        RecordValidator(publicKey: publicKey).validate(line).reasons
    }

    /// The problems of a cited line that `report` (this chain's verification) placed in an
    /// epoch: checked with the key of the epoch its seq falls in, as `verify` checked it.
    public func problems(inLine line: [UInt8], seq: Int64, epochs: [EpochKeyChain.Epoch]) -> [String] {
        guard let validator = EpochKeyChain.validator(forSeq: seq, epochs: epochs) else { return problems(inLine: line) }
        return validator.validate(line).reasons
    }

    public func verify(anchors: [ChainAnchor] = []) throws(SystemCallError) -> VerificationReport {
        var keys = EpochKeyChain(root: publicKey)
        var anchorCheck = AnchorCheck(anchors: anchors)
        var lastPlace: (file: String, line: Int)?
        var report = VerificationReport(keyID: publicKey.keyID)
        var links = ChainLinks()
        var prunedStart: (seq: Int64, prev: String?, file: String, line: Int)?
        var checkpoints: [(seq: Int64, start: (seq: Int64, prev: String))] = []
        var unverifiedCheckpoints: [(seq: Int64, start: (seq: Int64, prev: String))] = []
        let log = try RotationLog(directory: directory).read(from: publicKey)
        report.problems += log.problems
        let segments = try directory.segments()
        report.segments = segments.count
        for segment in segments {
            let path = directory.path(of: segment)
            var reader = try LineReader(path: path)
            defer { reader.close() }
            while let line = try reader.next() {
                report.records += 1
                func problem(_ seq: Int64?, _ reason: String) {
                    report.problems.append(VerificationProblem(file: path, line: line.number, seq: seq, reason: reason))
                }
                let lineHash = Record.hash(ofLine: line.bytes)
                let place = "the previous line (\(path):\(line.number))"
                if report.records == 1, let seq = RecordValidator.seq(of: line.bytes), seq > 1 {
                    // A pruned chain: the epoch keys up to its first record come from the rotation log.
                    keys = log.keys(before: seq) ?? keys
                }
                let outcome = keys.check(line: line.bytes)
                if let seq = outcome.seq, let copy = log.lineHashes[seq], copy.hash != lineHash {
                    problem(seq, "the rotation log's line \(log.path):\(copy.line) for seq \(seq) is not this line")
                }
                if !line.terminated {
                    links.pass(lineHash: lineHash, place: place)
                    problem(outcome.seq, "truncated line: no newline at the end of the segment (an interrupted write, or cut)")
                    continue
                }
                for reason in outcome.reasons { problem(outcome.seq, reason) }
                if let value = outcome.value, let start = Checkpoint.start(in: value), let seq = outcome.seq {
                    if outcome.reasons.isEmpty { checkpoints.append((seq, start)) } else { unverifiedCheckpoints.append((seq, start)) }
                }
                let startedLate = links.lateStart != nil
                for link in links.link(seq: outcome.seq, prev: outcome.prev, time: outcome.value?["time"]?.stringValue,
                                       segment: segment, lineHash: lineHash, place: place) {
                    problem(outcome.seq, link.description)
                }
                if !startedLate, let start = links.lateStart {
                    prunedStart = (start.seq, start.prev, path, line.number)
                }
                if let seq = outcome.seq {
                    report.firstSeq = report.firstSeq ?? seq
                    report.lastSeq = seq
                    lastPlace = (path, line.number)
                    if !anchors.isEmpty {
                        anchorCheck.see(seq: seq, sha256: lineHash, file: path, line: line.number)
                        if let host = outcome.value?["node"]?["hostname"]?.stringValue { anchorCheck.hostnames.insert(host) }
                        if let machine = outcome.value?["node"]?["machine_id"]?.stringValue { anchorCheck.machineIDs.insert(machine) }
                        if outcome.reasons.isEmpty, let key = outcome.value?["key_id"]?.stringValue { anchorCheck.keyIDs.insert(key) }
                    }
                }
                if outcome.type == .recovery, let file = outcome.value?["partial_file"]?.stringValue {
                    report.partialFiles.append(directory.path(of: file))
                }
            }
        }
        report.epochs = keys.epochs
        if let start = prunedStart {
            if let checkpoint = checkpoints.first(where: { $0.start.seq == start.seq && $0.start.prev == start.prev }) {
                report.prunedThrough = start.seq - 1
                report.checkpointSeq = checkpoint.seq
            } else if let unverified = unverifiedCheckpoints.first(where: { $0.start.seq == start.seq && $0.start.prev == start.prev }) {
                report.problems.insert(VerificationProblem(
                    file: start.file, line: start.line, seq: start.seq,
                    reason: "the chain starts at seq \(start.seq) but no checkpoint record that verifies names this start: the one at seq \(unverified.seq) does not verify (edited, or its epoch key cannot be placed)"
                ), at: 0)
            } else {
                report.problems.insert(VerificationProblem(
                    file: start.file, line: start.line, seq: start.seq,
                    reason: "the chain starts at seq \(start.seq) but no checkpoint record names this start: seq 1...\(start.seq - 1) removed without isotrace prune"
                ), at: 0)
            }
        }
        report.anchors = anchorCheck.outcomes(anchors, report: report, last: lastPlace)
        return report
    }
}
