@testable import Base
import Glibc
import Testing

@Suite struct UTCTimeTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_709_208_000_000, "2024-02-29T12:00:00.000Z"),  // leap day
        (1_795_671_853_470, "2026-11-26T05:44:13.470Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func rfc3339WithMilliseconds(milliseconds: Int64, text: String) {
        #expect(UTCTime(millisecondsSinceEpoch: milliseconds).description == text)
    }

    /// start time = btime + start ticks / CLK_TCK (proc(5) field 22).
    @Test(arguments: [
        (UInt64(685_300), 100, "2026-11-26T05:44:13.000Z"),
        (685_347, 100, "2026-11-26T05:44:13.470Z"),
        (685_399, 100, "2026-11-26T05:44:13.990Z"),
        (0, 100, "2026-11-26T03:50:00.000Z"),
        (1_713_251, 250, "2026-11-26T05:44:13.004Z"),
    ])
    func fromBootTimeAndTicks(ticks: UInt64, hz: Int, text: String) {
        let time = UTCTime(bootTime: 1_795_665_000, ticks: ticks, ticksPerSecond: hz)
        #expect(time.description == text)
    }

    @Test func bootMillisecondsAreAddedAndBounded() {
        let whole = UTCTime(bootTime: 1_795_665_000, ticks: 685_470, ticksPerSecond: 100)
        let exact = UTCTime(bootTime: 1_795_665_000, ticks: 685_470, ticksPerSecond: 100, bootMilliseconds: 787)
        #expect(exact.millisecondsSinceEpoch - whole.millisecondsSinceEpoch == 787)
        #expect(exact.description == "2026-11-26T05:44:15.487Z")
        // At most 999: a whole second more is btime's to say.
        #expect(UTCTime(bootTime: 1_795_665_000, ticks: 0, ticksPerSecond: 100, bootMilliseconds: 5_000).millisecondsSinceEpoch
            == 1_795_665_000_999)
        #expect(UTCTime(bootTime: .max, ticks: .max, ticksPerSecond: 100, bootMilliseconds: 999) == .latest)
    }

    @Test func exactMillisecondsAndOrder() {
        let a = UTCTime(bootTime: 1_795_665_000, ticks: 685_470, ticksPerSecond: 100)
        let b = UTCTime(bootTime: 1_795_665_000, ticks: 685_472, ticksPerSecond: 100)
        #expect(a.millisecondsSinceEpoch == 1_795_671_854_700)
        #expect(b.millisecondsSinceEpoch - a.millisecondsSinceEpoch == 20)
        #expect(a < b)
    }

    /// The calendar arithmetic of `writeRFC3339` against gmtime(3), which `description` used
    /// before: every day boundary of years 0 to 9999 sampled, and random milliseconds.
    @Test func arithmeticDateMatchesGmtime() {
        func viaGmtime(_ milliseconds: Int64) -> String {
            var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
            let fraction = Int(milliseconds - Int64(seconds) * 1000)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func pad(_ value: Int, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
                + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(fraction, 3))Z"
        }
        let first: Int64 = -62_167_219_200_000  // 0000-01-01T00:00:00.000Z
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        var day = first
        while day <= UTCTime.latest.millisecondsSinceEpoch {
            for offset in [Int64(0), -1, 86_399_999, Int64.random(in: 0..<86_400_000, using: &generator)] {
                let value = day + offset
                guard value >= first, value <= UTCTime.latest.millisecondsSinceEpoch else { continue }
                #expect(UTCTime(millisecondsSinceEpoch: value).description == viaGmtime(value), "\(value)")
                checked += 1
            }
            day += 86_400_000 * Int64.random(in: 1...40, using: &generator)
        }
        #expect(checked > 100_000)
        // Outside four-digit years the text is gmtime's, as before.
        #expect(UTCTime(millisecondsSinceEpoch: first - 1).description == viaGmtime(first - 1))
        #expect(UTCTime(millisecondsSinceEpoch: UTCTime.latest.millisecondsSinceEpoch + 1).description == "10000-01-01T00:00:00.000Z")
    }

    @Test func nowIsAfter2025() {
        #expect(UTCTime.now() > UTCTime(millisecondsSinceEpoch: 1_735_689_600_000))
    }
}
