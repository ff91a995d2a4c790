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
