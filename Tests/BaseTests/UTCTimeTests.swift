@testable import Base
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

    @Test func exactMillisecondsAndOrder() {
        let a = UTCTime(bootTime: 1_795_665_000, ticks: 685_470, ticksPerSecond: 100)
        let b = UTCTime(bootTime: 1_795_665_000, ticks: 685_472, ticksPerSecond: 100)
        #expect(a.millisecondsSinceEpoch == 1_795_671_854_700)
        #expect(b.millisecondsSinceEpoch - a.millisecondsSinceEpoch == 20)
        #expect(a < b)
    }

    @Test func nowIsAfter2025() {
        #expect(UTCTime.now() > UTCTime(millisecondsSinceEpoch: 1_735_689_600_000))
    }
}
