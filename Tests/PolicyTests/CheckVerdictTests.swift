import Policy
import Testing

/// The Nagios verdict as a library use case (`isotrace check` only prints it): on the pilot3
/// fixture, whose one job is not isolated at all.
struct CheckVerdictTests {
    @Test func notIsolatedJobIsCritical() throws {
        let result = try EvaluatorFixtureTests.audit(procRoot: EvaluatorFixtureTests.pilot3)
        let (line, code) = CheckVerdict.make(result, critical: .high)
        #expect(code == 2)
        #expect(line.hasPrefix("ISOTRACE CRITICAL - 1 of 1 jobs not isolated (ISO-UID, "), "\(line)")
        #expect(line.contains(" | jobs=1 not_isolated=1 pilots=1 "), "\(line)")
    }
}
