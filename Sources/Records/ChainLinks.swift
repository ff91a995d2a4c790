/// The rules that link each record of a chain to the one before it, shared by the local verifier
/// (`ChainVerifier`, over the segments) and the central one (over the stored lines), so that both
/// say the same thing about the same chain:
/// - the first record's `prev` is 64 zeros, unless the chain starts after seq 1 (`lateStart`: the
///   caller decides whether a checkpoint or an earlier key explains it) or continues a pruned
///   floor (then it is the floor line's hash);
/// - every later `prev` is the SHA-256 of the line before;
/// - seq goes up by exactly one: a gap is "missing", a step back "reordered or duplicated";
/// - the record's `time` falls on its segment's UTC day (`outsideSegmentDay`).
/// Feed the lines in chain order, one `link` each.
public struct ChainLinks: Sendable {
    /// Why one record does not link to the one before it.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The first record (of a chain starting at seq 1) has a `prev` other than 64 zeros.
        case firstPrevNotGenesis
        /// `prev` is not the hash of the record before, described as the caller placed it
        /// ("the previous line (file:line)", "the stored seq 17").
        case prevNotPrevious(String)
        /// These seqs are not in the chain (`afterFloor`: where the chain continues a pruned floor).
        case missing(ClosedRange<Int64>, afterFloor: Int64?)
        /// `seq` came after the higher seq `after`.
        case reordered(seq: Int64, after: Int64)
        /// The record's `time` cannot be in the segment of `segmentDay`. A writer appends a record
        /// to the segment of its UTC day, or, when the clock went back, to the newest segment
        /// (`ChainWriter`): so a record is never in a segment of an earlier day than its time
        /// (`beginsSegment` false), and a segment never begins with a record of an earlier day
        /// (`beginsSegment` true). A segment renamed to an older date (to make `prune` delete it
        /// early) breaks the first rule; one renamed to a later date the second.
        case outsideSegmentDay(time: String, segmentDay: String, beginsSegment: Bool)

        public var description: String {
            switch self {
            case .firstPrevNotGenesis:
                return "broken chain: the first record's prev must be 64 zeros"
            case .prevNotPrevious(let previous):
                return "broken chain: prev is not the SHA-256 of \(previous)"
            case .missing(let seqs, let floor):
                let missing = seqs.count == 1 ? "missing seq \(seqs.lowerBound)" : "missing seq \(seqs.lowerBound)...\(seqs.upperBound)"
                return missing + (floor.map { " after the pruned floor seq \($0)" } ?? "")
            case .reordered(let seq, let after):
                return "reordered or duplicated: seq \(seq) after seq \(after)"
            case .outsideSegmentDay(let time, let day, false):
                return "recorded at \(time), after its segment's day \(day): the segment was renamed or the record moved"
            case .outsideSegmentDay(let time, let day, true):
                return "recorded at \(time) but begins the segment of \(day): the segment was renamed or the record moved"
            }
        }
    }

    /// The first record's seq and prev when the chain starts above seq 1 without a floor.
    public private(set) var lateStart: (seq: Int64, prev: String?)?
    private let floor: (seq: Int64, hash: String)?
    private var previous: (hash: String, place: String)?
    private var highestSeq: Int64?
    private var previousSegment: String?

    /// A chain from its first record, or continuing the last record of a pruned `floor`.
    public init(floor: (seq: Int64, hash: String)? = nil) {
        self.floor = floor
    }

    /// Checks the next record: its `seq`, `prev` and `time` when they could be read (nil: not
    /// checked; the line's own check reports them), the segment it is in or was shipped from
    /// (`YYYY-MM-DD.jsonl`, or a path ending in it; nil: unknown), the hash of its line, and how to name it to the next one.
    public mutating func link(seq: Int64?, prev: String?, time: String?, segment: String?, lineHash: String, place: String) -> [Problem] {
        var problems: [Problem] = []
        if let segment {
            if let time, let problem = Self.dayProblem(time: time, segment: segment, beginsSegment: previousSegment != segment) {
                problems.append(problem)
            }
            previousSegment = segment
        }
        var gapFloor: Int64?
        if let previous {
            if let prev, prev != previous.hash { problems.append(.prevNotPrevious(previous.place)) }
        } else if let floor {
            if let seq, seq == floor.seq + 1, let prev, prev != floor.hash {
                problems.append(.prevNotPrevious("the last pruned record (seq \(floor.seq))"))
            }
            if let seq { highestSeq = min(floor.seq, seq - 1) }
            gapFloor = floor.seq
        } else if let seq, seq > 1 {
            lateStart = (seq, prev)
            highestSeq = seq - 1
        } else if let prev, prev != Record.genesisPrev {
            problems.append(.firstPrevNotGenesis)
        }
        if let seq {
            let expected = (highestSeq ?? 0) + 1
            if seq > expected {
                problems.append(.missing(expected...(seq - 1), afterFloor: gapFloor))
            } else if seq < expected {
                problems.append(.reordered(seq: seq, after: expected - 1))
            }
            highestSeq = max(highestSeq ?? 0, seq)  // one moved record is one problem, not two
        }
        previous = (lineHash, place)
        return problems
    }

    /// A line that takes its place in the chain without being checked (a truncated last line):
    /// the next record must still link to it.
    public mutating func pass(lineHash: String, place: String) {
        previous = (lineHash, place)
    }

    private static func dayProblem(time: String, segment: String, beginsSegment: Bool) -> Problem? {
        let name = segment.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(segment)
        let day = String(time.prefix(10)), segmentDay = String(name.prefix(10))
        if day > segmentDay { return .outsideSegmentDay(time: time, segmentDay: segmentDay, beginsSegment: false) }
        if day < segmentDay && beginsSegment { return .outsideSegmentDay(time: time, segmentDay: segmentDay, beginsSegment: true) }
        return nil
    }
}
