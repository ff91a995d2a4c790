import TestSupport
import Testing
@testable import ProcFS

/// `/proc/<pid>/cmdline`: argv, each argument followed by a NUL.
@Suite struct ProcessArgumentsTests {
    @Test(arguments: [
        (Array("sleep\u{0}600\u{0}".utf8), ["sleep", "600"]),
        (Array("sleep\u{0}600".utf8), ["sleep", "600"]),  // argv rewritten without the final NUL
        (Array("printf\u{0}%s\u{0}\u{0}".utf8), ["printf", "%s", ""]),  // an empty last argument
        (Array("nginx: worker process\u{0}".utf8), ["nginx: worker process"]),
        ([], []),  // kernel threads and zombies
        (Array("./odd".utf8) + [0xFF] + Array("name\u{0}caf\u{e9}\u{0}".utf8), ["./odd\\xffname", "caf\u{e9}"]),
    ])
    func parse(raw: [UInt8], argv: [String]) {
        #expect(ProcessArguments.parse(raw[...]) == argv)
    }

    @Test func secretsAreRedactedWhileParsing() {
        let argv = ProcessArguments.parse(bytes("submit\u{0}--token\u{0}tok-AAAA\u{0}-p\u{0}45029\u{0}"))
        #expect(argv == ["submit", "--token", SecretRedactor.marker, "-p", "45029"])
    }

    /// The sampler's `LastCommandLine` keeps the last four command lines it parsed: whatever the
    /// order (repeats at every distance, equal lengths with other bytes, empty ones), each
    /// command line gives what parsing it alone gives, redacted.
    @Test func recentCommandLinesGiveWhatParsingGives() {
        var generator = SplitMix64(seed: 23)
        let lines: [[UInt8]] = [
            [], Array("sleep\u{0}600\u{0}".utf8), Array("sleep\u{0}700\u{0}".utf8), Array("python\u{0}--token\u{0}s3cr3t\u{0}".utf8),
            Array("python\u{0}--token\u{0}s3cr3u\u{0}".utf8), Array("bash\u{0}-c\u{0}PANDA_AUTH_TOKEN=x run\u{0}".utf8),
            Array("a".utf8) + [0xFF, 0], Array("athena.py\u{0}--maxEvents=5\u{0}".utf8),
        ]
        var recent = LastCommandLine()
        for round in 0..<2000 {
            let index = Int.random(in: 0..<lines.count, using: &generator)
            let bytes = lines[index][...]
            let arguments = recent.arguments(bytes)
            #expect(arguments == ProcessArguments.parse(bytes), "round \(round): line \(index)")
        }
    }
}
