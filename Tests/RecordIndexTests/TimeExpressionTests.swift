import Base
import Testing
@testable import RecordIndex

@Suite struct TimeExpressionTests {
    let now = TimeExpression.rfc3339("2026-11-26T12:00:00.000Z")!

    @Test(arguments: [
        ("2026-11-26T03:12:00Z", "2026-11-26T03:12:00.000Z"),
        ("2026-11-26T03:12:00.5Z", "2026-11-26T03:12:00.500Z"),
        ("2026-11-26T03:12:00.123456789Z", "2026-11-26T03:12:00.123Z"),
        ("2026-11-26t03:12:00z", "2026-11-26T03:12:00.000Z"),
        ("2026-11-26 03:12:00Z", "2026-11-26T03:12:00.000Z"),
        ("2026-11-26T04:12:00+01:00", "2026-11-26T03:12:00.000Z"),
        ("2026-11-25T22:42:00.250-04:30", "2026-11-26T03:12:00.250Z"),
        ("2026-11-26", "2026-11-26T00:00:00.000Z"),
        ("2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),
    ])
    func rfc3339(text: String, expected: String) throws {
        #expect(try TimeExpression.parse(text, now: now).description == expected)
    }

    @Test(arguments: [
        ("now", "2026-11-26T12:00:00.000Z"),
        ("NOW", "2026-11-26T12:00:00.000Z"),
        ("2h ago", "2026-11-26T10:00:00.000Z"),
        ("30m ago", "2026-11-26T11:30:00.000Z"),
        ("1d ago", "2026-11-25T12:00:00.000Z"),
        ("90 seconds ago", "2026-11-26T11:58:30.000Z"),
        ("2 weeks ago", "2026-11-12T12:00:00.000Z"),
        ("  3 hours ago ", "2026-11-26T09:00:00.000Z"),
    ])
    func relative(text: String, expected: String) throws {
        #expect(try TimeExpression.parse(text, now: now).description == expected)
    }

    @Test(arguments: [
        "", "yesterday", "2h", "h ago", "2 fortnights ago", "-2h ago", "2026-13-01T00:00:00Z", "2026-02-30",
        "2026-11-26T24:00:00Z", "2026-11-26T03:12:00", "2026-11-26T03:12:00.Z", "2026-11-26T03:12:00+0100",
        "99999999999999999999h ago", "2026-11-26T03:12:00Zjunk",
    ])
    func rejects(text: String) {
        #expect(throws: TimeExpressionError.self) { try TimeExpression.parse(text, now: now) }
    }
}
