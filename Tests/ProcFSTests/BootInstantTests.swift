import Base
import Foundation
import TestSupport
import Testing
@testable import ProcFS

/// Start times to the millisecond: btime gives the boot's whole second only; the clocks give its
/// milliseconds, for a proc root of this very boot only.
@Suite struct BootInstantTests {
    @Test("a copied proc tree (another boot): start times count from btime's whole second")
    func copiedTreeKeepsWholeSeconds() throws {
        let facts = try NodeFactsReader(procRoot: FixtureTree.procRoot("pilot3-generic")).read()
        #expect(facts.bootMilliseconds == 0)
        #expect(facts.bootInstant == UTCTime(millisecondsSinceEpoch: Int64(facts.bootTime) * 1000))
    }

    @Test("this boot's /proc: the boot instant is the clocks', within btime's second")
    func liveProcHasTheBootsMilliseconds() throws {
        let facts = try NodeFactsReader(procRoot: "/proc").read()
        let clocks = Syscalls.bootInstantMilliseconds()
        #expect(facts.bootMilliseconds < 1000)
        #expect(abs(facts.bootInstant.millisecondsSinceEpoch - clocks) <= 5, "\(facts.bootInstant) against \(clocks) ms")
        #expect(facts.bootInstant.millisecondsSinceEpoch / 1000 == Int64(facts.bootTime))
    }

    @Test("a process started now: its sampled start time is now, to the clock tick (btime alone is up to a second early)")
    func freshProcessStartsNow() throws {
        let before = UTCTime.now()
        let child = try ChildProcess(["/bin/sleep", "30"])
        defer { child.stop() }
        let after = UTCTime.now()
        let sample = try #require(try ProcSampler().sample(pids: [child.pid]).processes.first)
        // Start ticks are cut to the tick (10 ms at CLK_TCK 100), the clocks to the millisecond.
        let tick = Int64(1000 / max(Syscalls.clockTicksPerSecond(), 1))
        #expect(sample.startTime.millisecondsSinceEpoch >= before.millisecondsSinceEpoch - tick - 3,
                "started \(sample.startTime), spawned between \(before) and \(after)")
        #expect(sample.startTime <= after, "started \(sample.startTime), spawned between \(before) and \(after)")
    }
}
