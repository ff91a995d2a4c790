import ProcFS
import Testing

/// `/proc/<pid>/task/<pid>/children`: space-separated PIDs, a trailing space, sometimes nothing.
struct ProcessChildrenTests {
    @Test func parsesTheKernelsFormat() {
        #expect(ProcessChildren.parse(Array("28395 28397 ".utf8)) == [28395, 28397])
        #expect(ProcessChildren.parse(Array("4242\n".utf8)) == [4242])
        #expect(ProcessChildren.parse([UInt8]()) == [])
    }

    @Test func aVanishedProcessHasNoChildren() {
        #expect(ProcessChildren.of(Int32.max, procRoot: "/proc") == [])
        #expect(ProcessChildren.descendantCount(of: Int32.max) == 0)
    }
}
