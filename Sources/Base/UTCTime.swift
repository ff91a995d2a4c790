#if canImport(Glibc)
import Glibc
#endif

/// A point in time with millisecond precision, printed as RFC 3339 UTC (`2026-11-26T06:10:03.120Z`).
/// Kept as integer milliseconds so that times computed from boot time and clock ticks are exact
/// and compare without floating-point surprises.
public struct UTCTime: Sendable, Equatable, Comparable, Hashable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// The latest time isotrace represents: 9999-12-31T23:59:59.999Z (RFC 3339 has four-digit years).
    public static let latest = UTCTime(millisecondsSinceEpoch: 253_402_300_799_999)

    /// The start time of a process: boot time plus its start ticks. Both come from files a proc
    /// root may forge (`btime`, stat field 22), so the arithmetic is checked: a sum past
    /// `latest` is `latest`, never an overflow trap. `bootMilliseconds`: the milliseconds of the
    /// boot instant past `bootTime`'s whole second (`NodeFacts.bootMilliseconds`), at most 999.
    public init(bootTime: UInt64, ticks: UInt64, ticksPerSecond: Int, bootMilliseconds: UInt64 = 0) {
        let hz = UInt64(max(ticksPerSecond, 1))
        let limit = UInt64(UTCTime.latest.millisecondsSinceEpoch)
        let boot = bootTime.multipliedReportingOverflow(by: 1000)
        let whole = (ticks / hz).multipliedReportingOverflow(by: 1000)
        // ticks % hz < hz, which is at most Int.max; the boot's milliseconds are below 1,000.
        let fraction = (ticks % hz) * 1000 / hz + min(bootMilliseconds, 999)
        let sum = boot.partialValue.addingReportingOverflow(whole.partialValue)
        let total = sum.partialValue.addingReportingOverflow(fraction)
        let overflow = boot.overflow || whole.overflow || sum.overflow || total.overflow
        self.millisecondsSinceEpoch = Int64(overflow ? limit : min(total.partialValue, limit))
    }

    /// The current wall-clock time.
    public static func now() -> UTCTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UTCTime(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    public static func < (lhs: UTCTime, rhs: UTCTime) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    /// RFC 3339, UTC, milliseconds.
    public var description: String {
        // The usual case, written as 24 bytes at once (a sample prints one per process).
        let text = String(unsafeUninitializedCapacity: 24) { writeRFC3339($0.baseAddress!) ? 24 : 0 }
        if !text.isEmpty { return text }
        var seconds = time_t(millisecondsSinceEpoch.dividingFloor(by: 1000))
        let milliseconds = Int(millisecondsSinceEpoch - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }

    /// Writes `description`'s 24 bytes at `text` when the year has four digits (0 to 9999, every
    /// time a sample makes), and says whether it did. The date comes from the day count by the
    /// proleptic Gregorian calendar, as gmtime(3) computes it, without gmtime's time zone lock:
    /// a sample writes one start time per process.
    public func writeRFC3339(_ text: UnsafeMutablePointer<UInt8>) -> Bool {
        let milliseconds = millisecondsSinceEpoch
        guard milliseconds > Int64.min / 2 else { return false }
        let days = milliseconds.dividingFloor(by: 86_400_000)
        let withinDay = milliseconds - days * 86_400_000
        // Days since 0000-03-01 in 400-year eras (Howard Hinnant's civil_from_days).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard year >= 0 && year <= 9999 else { return false }
        func put(_ value: Int64, _ width: Int, at offset: Int, then separator: UInt8) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                text[index] = UInt8(truncatingIfNeeded: 48 + value % 10)
                value /= 10
            }
            text[offset + width] = separator
        }
        let seconds = withinDay / 1000
        put(year, 4, at: 0, then: UInt8(ascii: "-"))
        put(month, 2, at: 5, then: UInt8(ascii: "-"))
        put(day, 2, at: 8, then: UInt8(ascii: "T"))
        put(seconds / 3600, 2, at: 11, then: UInt8(ascii: ":"))
        put(seconds / 60 % 60, 2, at: 14, then: UInt8(ascii: ":"))
        put(seconds % 60, 2, at: 17, then: UInt8(ascii: "."))
        put(withinDay % 1000, 3, at: 20, then: UInt8(ascii: "Z"))
        return true
    }
}

extension Int64 {
    fileprivate func dividingFloor(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
