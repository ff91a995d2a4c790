import Records
import Testing

/// The chain-link rules the local and the central verifier share, on chains given as
/// (seq, prev, line hash) without any file or database.
@Suite struct ChainLinksTests {
    /// A record's line hash in these chains: "h<seq>" stands for the SHA-256 of its line.
    static func hash(_ seq: Int64) -> String { "h\(seq)" }

    /// Links `records` (seq, prev) in order; the problems of each, by index.
    func link(_ records: [(seq: Int64?, prev: String?)], floor: (seq: Int64, hash: String)? = nil) -> (ChainLinks, [[String]]) {
        var links = ChainLinks(floor: floor)
        let problems = records.enumerated().map { index, record in
            links.link(seq: record.seq, prev: record.prev, time: nil, segment: nil, lineHash: Self.hash(record.seq ?? -Int64(index)),
                       place: "record \(index + 1)").map(\.description)
        }
        return (links, problems)
    }

    @Test("an intact chain from seq 1 has no problems")
    func intact() {
        let (links, problems) = link([(1, Record.genesisPrev), (2, "h1"), (3, "h2")])
        #expect(problems == [[], [], []])
        #expect(links.lateStart == nil)
    }

    @Test("the first record's prev must be 64 zeros")
    func firstPrev() {
        let (_, problems) = link([(1, "h0"), (2, "h1")])
        #expect(problems == [["broken chain: the first record's prev must be 64 zeros"], []])
    }

    @Test("a prev that is not the previous line's hash names the previous record as the caller placed it")
    func brokenPrev() {
        let (_, problems) = link([(1, Record.genesisPrev), (2, "h1"), (3, "tampered")])
        #expect(problems[2] == ["broken chain: prev is not the SHA-256 of record 2"])
    }

    @Test("a removed record: prev broken and the seq missing, one and several")
    func missing() {
        let (_, one) = link([(1, Record.genesisPrev), (2, "h1"), (4, "h3")])
        #expect(one[2] == ["broken chain: prev is not the SHA-256 of record 2", "missing seq 3"])
        let (_, several) = link([(1, Record.genesisPrev), (5, "h4")])
        #expect(several[1] == ["broken chain: prev is not the SHA-256 of record 1", "missing seq 2...4"])
    }

    @Test("a record moved back is reordered once, and what follows it links on from the highest seq")
    func reordered() {
        let (_, problems) = link([(1, Record.genesisPrev), (2, "h1"), (4, "h3"), (3, "h2"), (5, "h4")])
        #expect(problems[2].contains("missing seq 3"))
        #expect(problems[3].contains("reordered or duplicated: seq 3 after seq 4"))
        #expect(!problems[4].contains { $0.hasPrefix("missing") || $0.hasPrefix("reordered") })
    }

    @Test("a chain starting after seq 1 is a late start for the caller to explain, not a problem here")
    func lateStart() {
        let (links, problems) = link([(7, "h6"), (8, "h7"), (10, "h9")])
        #expect(problems[0].isEmpty && problems[1].isEmpty)
        #expect(problems[2].contains("missing seq 9"))
        #expect(links.lateStart?.seq == 7 && links.lateStart?.prev == "h6")
    }

    @Test("a chain continuing a pruned floor links to the floor's hash and counts gaps from it")
    func floor() {
        let (intact, fine) = link([(11, "h10"), (12, "h11")], floor: (10, "h10"))
        #expect(fine == [[], []] && intact.lateStart == nil)
        let (_, broken) = link([(11, "other")], floor: (10, "h10"))
        #expect(broken[0] == ["broken chain: prev is not the SHA-256 of the last pruned record (seq 10)"])
        let (_, cut) = link([(12, "h11")], floor: (10, "h10"))
        #expect(cut[0] == ["missing seq 11 after the pruned floor seq 10"])
    }

    @Test("unreadable seq or prev is not checked (the line's own check reports it); a passed line still links")
    func unreadable() {
        let (_, problems) = link([(1, Record.genesisPrev), (nil, nil), (3, "h-1")])
        #expect(problems[1].isEmpty)
        #expect(problems[2] == ["missing seq 2"])
        var links = ChainLinks()
        _ = links.link(seq: 1, prev: Record.genesisPrev, time: nil, segment: nil, lineHash: "h1", place: "line 1")
        links.pass(lineHash: "truncated", place: "line 2")
        #expect(links.link(seq: 2, prev: "h1", time: nil, segment: nil, lineHash: "h2", place: "line 3").map(\.description)
            == ["broken chain: prev is not the SHA-256 of line 2"])
    }

    @Test("a record's time falls on its segment's UTC day; after the clock went back it may continue a later segment, never begin one")
    func segmentDay() {
        var links = ChainLinks()
        func link(_ seq: Int64, _ time: String, _ segment: String) -> [String] {
            links.link(seq: seq, prev: seq == 1 ? Record.genesisPrev : Self.hash(seq - 1), time: time, segment: segment,
                       lineHash: Self.hash(seq), place: "record \(seq)").map(\.description)
        }
        #expect(link(1, "2026-11-26T23:59:59.000Z", "2026-11-26.jsonl").isEmpty)
        #expect(link(2, "2026-11-27T00:00:01.000Z", "2026-11-27.jsonl").isEmpty)
        #expect(link(3, "2026-11-26T23:59:58.000Z", "2026-11-27.jsonl").isEmpty, "the clock went back: the newest segment goes on")
        #expect(link(4, "2026-11-27T00:00:02.000Z", "2026-01-01.jsonl")
            == ["recorded at 2026-11-27T00:00:02.000Z, after its segment's day 2026-01-01: the segment was renamed or the record moved"])
        #expect(link(5, "2026-11-27T00:00:03.000Z", "records/2026-12-24.jsonl")
            == ["recorded at 2026-11-27T00:00:03.000Z but begins the segment of 2026-12-24: the segment was renamed or the record moved"])
    }
}
