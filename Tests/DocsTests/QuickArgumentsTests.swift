import ArgumentParser
@testable import isotrace
import ProcFS
import Testing

/// `snapshot`'s and `audit`'s plain forms read without swift-argument-parser: whatever
/// `QuickArguments` reads, swift-argument-parser reads the same from the same arguments; what it
/// declines, it leaves to it.
@Suite struct QuickArgumentsTests {
    /// swift-argument-parser's reading of a snapshot command line, or nil when it is not one it accepts.
    static func parsed(_ arguments: [String]) -> SnapshotRun? {
        guard let command = try? Isotrace.parseAsRoot(arguments) as? SnapshotCommand else { return nil }
        return SnapshotRun(format: command.format, procRoot: command.procRoot, pids: command.pids, sampler: command.sampler)
    }

    static func parsedAudit(_ arguments: [String]) -> AuditInvocation? {
        guard let command = try? Isotrace.parseAsRoot(arguments) as? AuditCommand else { return nil }
        return AuditInvocation(policy: command.policy, format: command.format, output: command.output, procRoot: command.procRoot,
                               failOn: command.failOn, record: command.record, out: command.out, key: command.key, sampler: command.sampler)
    }

    @Test func theAuditsPlainFormsReadAsSwiftArgumentParserReadsThem() throws {
        let plain: [[String]] = [
            ["audit"],
            ["audit", "--format", "json", "--policy", "policies/wlcg-mupj.yaml"],
            ["audit", "--format=table", "--sampler", "procfs", "--fail-on", "high", "--proc-root=/tmp/p"],
            ["audit", "--fail-on=critical", "--sampler=bpf", "--policy=/etc/x.yaml"],
        ]
        for arguments in plain {
            let quick = try #require(try QuickArguments.audit(arguments), "\(arguments)")
            #expect(quick == Self.parsedAudit(arguments), "\(arguments)")
        }
        let declined: [[String]] = [
            ["audit", "--format", "html"], ["audit", "--record"], ["audit", "--out", "/tmp/x"], ["audit", "--key", "k.pem"],
            ["audit", "--output", "x.html"], ["audit", "--fail-on", "severe"], ["audit", "--pid", "1"], ["audit", "-h"],
            ["audit", "--policy", "a", "--policy", "b"], ["snapshot"], ["audit", "--format"],
        ]
        for arguments in declined { #expect(try QuickArguments.audit(arguments) == nil, "\(arguments)") }
        let words = ["--format", "json", "table", "html", "--policy", "p.yaml", "--fail-on", "info", "medium", "x", "--sampler",
                     "procfs", "--proc-root", "/proc", "--record", "--out", "/tmp", "--format=json", "--fail-on=low", "", "-"]
        var generator = SystemRandomNumberGenerator()
        var read = 0
        for _ in 0..<800 {
            let arguments = ["audit"] + (0..<Int.random(in: 0...6, using: &generator)).map { _ in words.randomElement(using: &generator)! }
            guard let quick = try QuickArguments.audit(arguments) else { continue }
            read += 1
            #expect(quick == Self.parsedAudit(arguments), "\(arguments)")
        }
        #expect(read > 20, "too few random audit command lines were plain forms (\(read))")
    }

    @Test func thePlainFormsReadAsSwiftArgumentParserReadsThem() throws {
        let plain: [[String]] = [
            ["snapshot"],
            ["snapshot", "--format", "json"],
            ["snapshot", "--format=json", "--sampler", "procfs"],
            ["snapshot", "--sampler=bpf", "--format", "table", "--proc-root", "Tests/ProcFSTests/Fixtures/pilot3-generic/proc"],
            ["snapshot", "--pid", "1", "--pid=42", "--format", "json", "--pid", "+7"],
            ["snapshot", "--proc-root=/a=b", "--sampler", "auto"],
        ]
        for arguments in plain {
            let quick = try #require(QuickArguments.snapshot(arguments), "\(arguments)")
            #expect(quick == Self.parsed(arguments), "\(arguments)")
        }
        #expect(QuickArguments.snapshot(["snapshot", "--pid", "1", "--pid", "2"])?.pids == [1, 2])
        #expect(QuickArguments.snapshot(["snapshot", "--format", "json"])?.format == .json)
    }

    @Test func everythingElseIsLeftToSwiftArgumentParser() {
        let declined: [[String]] = [
            [], ["audit"], ["snapshot", "--help"], ["snapshot", "-h"], ["snapshot", "--version"], ["snapshot", "--format", "xml"],
            ["snapshot", "--format"], ["snapshot", "--format", "json", "--format", "table"], ["snapshot", "--pid", "x"],
            ["snapshot", "--pid", "-1"], ["snapshot", "--pid", "99999999999"], ["snapshot", "--proc-root", ""],
            ["snapshot", "--sampler", "ebpf"], ["snapshot", "extra"], ["snapshot", "--", "--format"], ["snapshot", "--policy", "p.yaml"],
            ["snapshot", "--generate-completion-script", "bash"], ["help", "snapshot"], ["snapshot", "--format=", "json"],
            ["snapshot", "--experimental-dump-help"], ["Snapshot"],
        ]
        for arguments in declined { #expect(QuickArguments.snapshot(arguments) == nil, "\(arguments)") }
    }

    /// Random command lines from the options' own words: every one read here reads the same there.
    @Test func randomCommandLinesAgree() {
        let words = ["--format", "json", "table", "xml", "--pid", "1", "42", "-1", "0x10", "--sampler", "bpf", "procfs", "auto",
                     "--proc-root", "/proc", "/tmp/x", "--format=json", "--pid=7", "--sampler=bpf", "--proc-root=/a=b", "",
                     "-h", "--help", "--", "--policy", "--format=", "=", "--=x", "-", "--pid=", "2147483648", "snapshot"]
        var generator = SystemRandomNumberGenerator()
        var read = 0
        for _ in 0..<1500 {
            let count = Int.random(in: 0...6, using: &generator)
            let arguments = ["snapshot"] + (0..<count).map { _ in words.randomElement(using: &generator)! }
            guard let quick = QuickArguments.snapshot(arguments) else { continue }
            read += 1
            #expect(quick == Self.parsed(arguments), "\(arguments)")
        }
        #expect(read > 50, "too few random command lines were plain forms (\(read)): the comparison says little")
    }
}
