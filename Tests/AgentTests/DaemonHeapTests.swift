@testable import Agent
import ProcFS
import Testing

/// When a full cycle gives its freed heap back to the kernel (`malloc_trim`): not under process
/// events, whose next batch would fault it all in again.
@Suite struct DaemonHeapTests {
    @Test("a full cycle gives the freed heap back when idle; keeps it when it recorded processes the events saw, or events-only cycles ran since the last")
    func freedHeapUnderProcessEvents() {
        // No event source, or nothing of a job's seen: given back.
        #expect(!DaemonLoop.underProcessEvents(eventCyclesSince: 0, resolution: nil))
        var attributor = EventAttributor()
        let idle = attributor.resolve(alive: EventAttributorTests.tracked, ended: [:], sampled: EventAttributorTests.sampled)
        #expect(!DaemonLoop.underProcessEvents(eventCyclesSince: 0, resolution: idle))
        // A process outside every job forked and ended: not recorded, still idle.
        attributor.ingest([EventAttributorTests.event(.fork, 900, parent: 1), EventAttributorTests.event(.exit, 900, parent: 1)],
                          node: EventAttributorTests.node)
        let unrelated = attributor.resolve(alive: EventAttributorTests.tracked, ended: [:], sampled: EventAttributorTests.sampled)
        #expect(unrelated.started.isEmpty && !DaemonLoop.underProcessEvents(eventCyclesSince: 0, resolution: unrelated))
        // A payload's child forked and ended: recorded, the heap kept.
        attributor.ingest([EventAttributorTests.event(.fork, 300, parent: 200), EventAttributorTests.event(.exit, 300, parent: 200)],
                          node: EventAttributorTests.node)
        let recorded = attributor.resolve(alive: EventAttributorTests.tracked, ended: [:], sampled: EventAttributorTests.sampled)
        #expect(recorded.started.map(\.process.identity.pid) == [300])
        #expect(DaemonLoop.underProcessEvents(eventCyclesSince: 0, resolution: recorded))
        // Events-only cycles since the last full cycle (they recorded the payload's): kept too.
        #expect(DaemonLoop.underProcessEvents(eventCyclesSince: 1, resolution: idle))
    }
}
