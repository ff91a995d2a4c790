import Agent
import ProcFS
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `ProcessEventCollector.putBack`: a cycle that drained the event source and then could not
/// sample gives the events back (DaemonLoop.keepForNextSample), so none is dropped unseen.
@Suite(.serialized)
struct ProcessEventCollectorTests {
    static func source() throws -> ProcessEventSource {
        do {
            return try ProcessEventSource.open()
        } catch {
            try Test.cancel("BPF process event source not usable here: \(error.reason)")
        }
    }

    static func event(_ pid: Int32) -> ProcessEvent {
        ProcessEvent(kind: .exit, pid: pid, ppid: 1, sid: 1, startBoottimeNanoseconds: UInt64(pid),
                     parentStartBoottimeNanoseconds: 1, boottimeNanoseconds: UInt64(pid), comm: "true")
    }

    @Test("events given back come first at the next drain, in their order, before those read since, and only once")
    func givenBackComeFirst() throws {
        let collector = ProcessEventCollector(source: try Self.source())
        collector.start()
        defer { collector.stop() }
        let child = try ChildProcess(["/bin/sh", "-c", "exit 7"])
        defer { child.stop() }
        // Drained until this child's exit is among them (the reading thread polls every 100 ms).
        var drained: [[ProcessEvent]] = []
        for _ in 0..<200 where !drained.joined().contains(where: { $0.pid == child.pid && $0.kind == .exit }) {
            usleep(50_000)
            drained += collector.drain().batches.filter { !$0.isEmpty }
        }
        let first = Array(drained.joined())
        try #require(first.contains { $0.pid == child.pid && $0.kind == .exit }, "the exit of \(child.pid) was never read")
        let seenBefore = collector.drain().seen

        collector.putBack(drained)
        #expect(collector.waiting >= first.count)
        let again = collector.drain()
        let events = Array(again.batches.joined())
        #expect(Array(events.prefix(first.count)) == first, "the events given back are not the first ones, in order")
        #expect(events.filter { $0.pid == child.pid && $0.kind == .exit }.count == 1, "the child's exit is there once")
        // Given back, not read again: `seen` counts reads only.
        #expect(again.seen >= seenBefore && again.seen - seenBefore == UInt64(events.count - first.count))
    }

    @Test("events given back beyond the buffer's limit are counted lost, not dropped unseen")
    func beyondTheLimitCounted() throws {
        let collector = ProcessEventCollector(source: try Self.source(), bufferLimit: 10)
        let batches = [(1...6).map { Self.event(Int32($0)) }, (7...12).map { Self.event(Int32($0)) }]
        collector.putBack(batches)
        #expect(collector.waiting == 10)
        let drained = collector.drain()
        #expect(drained.batches.map(\.count) == [6, 4])
        #expect(drained.batches.joined().map(\.pid) == Array(1...10))
        #expect(drained.bufferLost == 2)
        #expect(drained.seen == 0)
        collector.putBack([])
        #expect(collector.waiting == 0)
    }
}
