/// What the chain says about one anchor (`ChainVerifier.verify(anchors:)`).
public struct AnchorOutcome: Sendable, Equatable, CustomStringConvertible {
    public enum Verdict: Sendable, Equatable {
        /// The chain holds a line of that seq hashing to that value (at file:line).
        case held(file: String, line: Int)
        /// The chain ends before the seq, or lacks it: cut back (what it has instead).
        case missing(String)
        /// The line of that seq hashes to something else: rewritten (where, and its hash).
        case differs(file: String, line: Int, sha256: String)
        /// The seq was removed by `isotrace prune` (before the first kept record): not checkable.
        case pruned(firstKeptSeq: Int64)
        /// A head of another chain (key or host), so not checked here; said, never skipped in silence.
        case notApplicable(String)
    }

    public var anchor: ChainAnchor
    public var verdict: Verdict

    /// The chain no longer holds the anchored head.
    public var fails: Bool {
        switch verdict {
        case .missing, .differs: return true
        case .held, .pruned, .notApplicable: return false
        }
    }

    public var description: String {
        let head = "anchored head seq \(anchor.head.seq) sha256 \(anchor.head.lineHash)"
        switch verdict {
        case .held(let file, let line):
            return "\(anchor.place): \(head): held by \(file):\(line)"
        case .missing(let instead):
            return "\(anchor.place): \(head): \(instead)"
        case .differs(let file, let line, let sha256):
            return "\(anchor.place): \(head): the chain's seq \(anchor.head.seq) (\(file):\(line)) hashes to \(sha256) instead: rewritten after this head left the node"
        case .pruned(let first):
            return "\(anchor.place): \(head): not checkable, pruned (the chain starts at seq \(first), after a checkpoint)"
        case .notApplicable(let why):
            return "\(anchor.place): \(head): not applicable: \(why)"
        }
    }
}

/// The anchor part of a verification: the chain's facts the anchors are checked against.
struct AnchorCheck {
    /// The line each anchored seq has in the chain (its first occurrence).
    var lines: [Int64: (sha256: String, file: String, line: Int)] = [:]
    var wanted: Set<Int64>
    /// Whose chain it is, from its records: hosts, machine ids, and the keys that signed them.
    var hostnames: Set<String> = []
    var machineIDs: Set<String> = []
    var keyIDs: Set<String> = []

    init(anchors: [ChainAnchor]) {
        wanted = Set(anchors.map(\.head.seq))
    }

    mutating func see(seq: Int64, sha256: String, file: String, line: Int) {
        if wanted.contains(seq), lines[seq] == nil { lines[seq] = (sha256, file, line) }
    }

    func outcomes(_ anchors: [ChainAnchor], report: VerificationReport, last: (file: String, line: Int)?) -> [AnchorOutcome] {
        anchors.map { anchor in
            AnchorOutcome(anchor: anchor, verdict: verdict(anchor, report: report, last: last))
        }
    }

    private func verdict(_ anchor: ChainAnchor, report: VerificationReport, last: (file: String, line: Int)?) -> AnchorOutcome.Verdict {
        // A head naming its host is this chain's when the host (and machine id) is: the key cannot
        // decide, since keys change along a chain and a chain cut back past a key no longer names
        // it. Only a head without a host is matched by its key.
        if let host = anchor.hostname {
            guard hostnames.contains(host) else {
                return .notApplicable("hostname \(host) is not this chain's (\(hostnames.sorted().joined(separator: ", ")))")
            }
            if let machine = anchor.machineID, !machineIDs.isEmpty, !machineIDs.contains(machine) {
                return .notApplicable("machine_id \(machine) is not this chain's (\(machineIDs.sorted().joined(separator: ", ")))")
            }
        } else if let keyID = anchor.keyID, keyID != report.keyID, !keyIDs.contains(keyID) {
            return .notApplicable("key_id \(keyID) is not this chain's (\(report.keyID))")
        }
        let seq = anchor.head.seq
        if seq == 0 {
            return anchor.head.lineHash == Record.genesisPrev ? .held(file: "(the empty chain)", line: 0)
                : .missing("seq 0 is the empty chain, whose hash is 64 zeros")
        }
        if let found = lines[seq] {
            return found.sha256 == anchor.head.lineHash ? .held(file: found.file, line: found.line)
                : .differs(file: found.file, line: found.line, sha256: found.sha256)
        }
        if let pruned = report.prunedThrough, seq <= pruned { return .pruned(firstKeptSeq: pruned + 1) }
        guard let lastSeq = report.lastSeq, let last else { return .missing("the chain holds no record") }
        if lastSeq < seq {
            return .missing("the chain ends at seq \(lastSeq) (\(last.file):\(last.line)): cut back past this head")
        }
        return .missing("the chain has no seq \(seq) (it runs to seq \(lastSeq)): removed after this head left the node")
    }
}
