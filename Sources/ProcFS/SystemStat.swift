import Base

/// `/proc/stat`: isotrace needs only `btime`, the boot time in seconds since the epoch, to turn a
/// process's start ticks into an absolute time.
public enum SystemStat {
    public static func parseBootTime(_ bytes: Bytes) throws(ParseError) -> UInt64 {
        for (offset, line) in ByteScan.lines(bytes).enumerated() {
            let fields = ByteScan.fields(line)
            guard fields.count >= 1, fields[0].elementsEqual("btime".utf8) else { continue }
            guard fields.count == 2, let seconds = ByteScan.unsigned(fields[1]) else {
                throw ParseError(file: "stat", line: offset + 1, reason: "btime is not a number: \(ByteScan.preview(line))")
            }
            // Past year 9999 no start time can be written down (UTCTime.latest): a forged tree.
            guard seconds <= UInt64(UTCTime.latest.millisecondsSinceEpoch / 1000) else {
                throw ParseError(file: "stat", line: offset + 1, reason: "btime \(seconds) is out of range (after the year 9999)")
            }
            return seconds
        }
        throw ParseError(file: "stat", reason: "no 'btime' line")
    }
}
