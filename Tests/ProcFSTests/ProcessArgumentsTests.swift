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
}
