import Base
@testable import RecordIndex
import Testing

/// The ingester's record times (`RecordTimes`, the last four seconds' calendar parts kept) are
/// `TimeExpression.rfc3339`'s, in the writer's form and in every other one a record may hold.
@Suite struct RecordTimesTests {
    @Test("record times: the same milliseconds as rfc3339, whatever came before")
    func sameAsRFC3339() {
        let texts = ["2026-12-05T17:26:19.121Z", "2026-12-05T17:26:19.000Z", "2026-12-05T17:26:19.999Z", "2026-12-05T17:26:20.001Z",
                     "2026-12-05T17:26:19.12Z", "2026-12-05T17:26:19.1219Z", "2026-12-05T17:26:19.121+01:00", "2026-12-05T17:26:19Z",
                     "2026-12-05T17:26:19.1x1Z", "2026-12-05T17:26:19.-21Z", "2026-12-05T17:26:19,121Z", "2026-12-05T17:26:60.500Z",
                     "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "0000-01-01T00:00:00.000Z", "2026-02-30T17:26:19.121Z",
                     "2026-12-05t17:26:19.121Z", "2026-12-05 17:26:19.121Z", "2026-12-05T17:26:19.121z", "", "x", "2026-12-05",
                     "9999-12-31T23:59:59.999Z", "2026-12-05T17:26:19.１２１Z"]
        let times = RecordTimes()
        for first in texts {
            for second in texts {
                #expect(times.milliseconds(first) == TimeExpression.rfc3339(first)?.millisecondsSinceEpoch, "\(first)")
                #expect(times.milliseconds(second) == TimeExpression.rfc3339(second)?.millisecondsSinceEpoch, "\(second) after \(first)")
            }
        }
    }
}
