import Agent
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [("500ms", 500), ("30s", 30_000), ("30", 30_000), ("5m", 300_000), ("1h", 3_600_000), ("180d", 15_552_000_000), ("1w", 604_800_000)] as [(String, Int64)])
    func parses(text: String, milliseconds: Int64) {
        #expect(DurationText(text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["", "s", "-1s", "1.5s", "1y", "10 s", "99999999999999999999d"])
    func refuses(text: String) {
        #expect(DurationText(text) == nil)
    }

    @Test func describes() {
        #expect(DurationText(milliseconds: 30_000).description == "30s")
        #expect(DurationText(milliseconds: 3_600_000).description == "1h")
        #expect(DurationText(milliseconds: 1500).description == "1500ms")
    }
}
