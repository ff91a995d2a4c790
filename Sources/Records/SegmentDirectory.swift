import Base

/// The records directory (DIR/records): daily segments `<UTC date>.jsonl`, the writers' lock file
/// `.lock`, and `<segment>.<n>.partial` files that recovery moved partial lines to.
/// Segment names sort in chain order, because a writer never appends to a segment older than
/// the newest one (even when the clock goes back).
public struct SegmentDirectory: Sendable {
    public var path: String

    public init(outputDirectory: String) {
        path = outputDirectory + "/records"
    }

    public var lockPath: String { path + "/.lock" }

    public func path(of segment: String) -> String { path + "/" + segment }

    /// The segment a record written at `time` belongs to: `2026-11-26.jsonl`.
    public static func segmentName(for time: UTCTime) -> String {
        String(time.description.prefix(10)) + ".jsonl"
    }

    /// Why a record written at `time` (RFC 3339, UTC) cannot be where it is, or nil when it can.
    /// A writer appends a record to the segment of its UTC day, or, when the clock went back, to
    /// the newest segment (`ChainWriter`): so a record is never in a segment of an earlier day than
    /// its time, and a segment never begins with a record of an earlier day. A segment renamed to
    /// an older date (to make `prune` delete it early) breaks the first rule; one renamed to a
    /// later date breaks the second.
    public static func dayProblem(time: String, segment: String, continuesSegment: Bool) -> String? {
        let day = time.prefix(10), segmentDay = segment.prefix(10)
        if day > segmentDay {
            return "recorded at \(time), after its segment's day \(segmentDay): the segment was renamed or the record moved"
        }
        if day < segmentDay && !continuesSegment {
            return "recorded at \(time) but begins the segment of \(segmentDay): the segment was renamed or the record moved"
        }
        return nil
    }

    /// True for `YYYY-MM-DD.jsonl`.
    public static func isSegmentName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 16, name.hasSuffix(".jsonl") else { return false }
        return bytes.prefix(10).enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// The segment file names in chain order.
    public func segments() throws(SystemCallError) -> [String] {
        try Syscalls.listDirectory(path).filter(SegmentDirectory.isSegmentName).sorted()
    }
}
