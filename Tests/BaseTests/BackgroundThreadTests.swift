import Base
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon asks a running shipment `isDone` each cycle and joins it only then: the answer must
/// be false while the work runs and true once it ended, and the result must survive the join.
@Suite("BackgroundThread")
struct BackgroundThreadTests {
    @Test("isDone is false while the work runs, true after it ends; join gives its result")
    func isDoneFollowsTheWork() {
        let release = HandOffQueue<Bool>()
        let thread = BackgroundThread { () -> Int in
            _ = release.take()
            return 42
        }
        #expect(thread.isThreaded)
        #expect(!thread.isDone, "the work waits for the release")
        release.put(true)
        for _ in 0..<2_000 where !thread.isDone { usleep(1_000) }
        #expect(thread.isDone, "the work ended within 2 s of its release")
        #expect(thread.join() == 42)
    }
}
