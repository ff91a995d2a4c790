import Base
import Testing
@testable import Policy
@testable import ProcFS

/// A finding's command summary, joined only as far as it shows, is the one of the whole line.
@Suite struct CommandSummaryTests {
    static func reference(_ sample: ProcessSample) -> String {
        let text = (sample.arguments?.isEmpty == false ? sample.arguments! : ["[\(sample.stat.comm)]"]).joined(separator: " ")
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }

    @Test func summaryIsThatOfTheWholeLine() {
        let long = String(repeating: "x", count: 5000)
        let combining = "e" + String(repeating: "\u{301}", count: 200)
        let cases: [[String]?] = [
            nil, [], ["ls"], [long], ["a", long], [String(repeating: "y", count: 80)], [String(repeating: "y", count: 81)],
            [String(repeating: "z", count: 79), "b"], [String(repeating: "é", count: 100)], [combining, combining],
            (0..<40).map { "\($0)" }, [String(repeating: "w", count: 79), "\u{301}x", long], ["😀", String(repeating: "🇫🇷", count: 90)],
            // Where one Character is more than one byte at the 77th to 82nd byte: CR LF, a combining mark.
            [String(repeating: "a", count: 76) + "\r\n" + long], [String(repeating: "a", count: 79) + "\r\n"],
            [String(repeating: "a", count: 80) + "\r\n"], [String(repeating: "a", count: 81) + "\r\n"],
            [String(repeating: "\r\n", count: 50)], [String(repeating: "v", count: 81) + "\u{301}"],
            [String(repeating: "v", count: 80) + "\u{301}"], [String(repeating: "x", count: 77) + "\u{301}" + long],
            [String(repeating: "x", count: 76), "\r", long], [String(repeating: "q", count: 82) + "é"],
        ]
        for arguments in cases {
            var sample = ProcessSample(
                identity: ProcessIdentity(bootID: "b", pid: 7, startTicks: 1),
                stat: ProcessStat(pid: 7, comm: "python3", state: "S", ppid: 1, pgid: 7, sid: 7, flags: 0, startTicks: 1),
                startTime: UTCTime(millisecondsSinceEpoch: 0))
            sample.arguments = arguments
            #expect(sample.commandSummary == Self.reference(sample), "\(String(describing: arguments).prefix(120))")
        }
    }
}
