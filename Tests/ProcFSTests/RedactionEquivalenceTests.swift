import RedactionReference
import TestSupport
import Testing
@testable import ProcFS

/// The byte-level redactor against the `Unicode.Scalar` one it replaced (RedactionReference):
/// identical output, byte for byte, on random command lines built from the things the rules look
/// for. The generator is seeded, so a failure names the seed that reproduces it.
@Suite struct RedactionEquivalenceTests {
    static let cases = 4_000

    /// Fragments the rules react to, near misses, and text that is not ASCII (case mapping and
    /// grapheme clusters differ there: Kelvin sign, dotted capital I, combining marks, a prepended
    /// Arabic sign, CR LF, emoji with ZWJ).
    static let fragments: [String] = [
        "--token", "-token", "--access-token", "--password", "--passwd", "--Auth", "--cookie", "--api-key", "--apikey",
        "--secret", "--credentials", "--private_key", "--session_key", "--access_key", "--TOKEN", "--to\u{212A}en",
        "token", "TOKEN", "Password", "api_key", "id_token", "PANDA_AUTH_TOKEN", "db_password", "AWS_SECRET_ACCESS_KEY",
        "X509_USER_PROXY", "PANDAID", "--maxEvents", "--preExec", "-q", "-p", "--url", "-H", "-c", "--", "-",
        "=", "==", ":", "://", "@", "/", "//", "\"", "'", "\\", "\\\"", " ", "  ", "\t", "\n", "\r\n", ";", "&", "|", "&&",
        "{", "}", ",", ".", "..", "_", "x", "abc", "value", "hunter2", "tok-E", "p@ss", "<redacted>",
        "https://user:pw@host/repo.git", "http://a:b@c:443/p", "https://alice:p@ss@panda.example.org:25443/server",
        "root://eosatlas.cern.ch//eos/atlas/file.root", "ftp://@x", "https://:pw@h", "https://u:@h", "http://127.0.0.1:45029",
        "Bearer", "bearer", "BEARER", "Bearer ", "Authorization: Bearer abc.def-123", "bearer\t",
        "eyJ", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "eyJa.b.c", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIi",
        "eyJ-but-not-a-jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
        "{\"HOME\": \"/root\", \"AWS_SECRET_ACCESS_KEY\": \"wJal\\\"rX\", \"LANG\": \"C\"}", "\"token\": \"v\"", "\"x\" : \"y\"",
        "\"passwd\":\"\\\u{e9}\"", "rec.doTrigger=False", "all:from AthenaCommon import x", "mc16_13TeV:HITS.123._000001.pool.root.1",
        "\u{e9}", "\u{fc}", "\u{416}", "\u{4e2d}", "\u{1F600}", "\u{212A}", "\u{130}", "\u{301}", "\u{600}", "\u{200D}",
        "\u{1F469}\u{200D}\u{1F4BB}", "ÄUTH", "tökén", "sécret", "=\u{301}", "-\u{301}", "\u{301}=", "\u{600}=", "\u{600}-",
        "\\xff", "\\\\",
    ]

    @Test func redactsExactlyAsTheReferenceOnRandomArgv() {
        var mismatches = 0
        for index in 0..<Self.cases {
            let seed = 0x15_07_2ACE_0000 + UInt64(index)
            var random = SplitMix64(seed: seed)
            let argv = Self.argv(&random)
            let expected = LegacySecretRedactor.redact(argv)
            let actual = SecretRedactor.redact(argv)
            if actual.map({ Array($0.utf8) }) != expected.map({ Array($0.utf8) }) {
                mismatches += 1
                Issue.record("seed \(seed): argv \(argv.debugDescription)\n  reference \(expected.debugDescription)\n  byte-level \(actual.debugDescription)")
                if mismatches >= 5 { return }
            }
        }
    }

    /// Whole cmdline files, with bytes that are not UTF-8: parsed as the sampler does, against
    /// the reference applied to the same decoded arguments.
    @Test func parsesCmdlineBytesExactlyAsTheReference() {
        for index in 0..<Self.cases / 2 {
            let seed = 0xB17E_5000_0000 + UInt64(index)
            var random = SplitMix64(seed: seed)
            var raw: [UInt8] = []
            for argument in Self.argv(&random) {
                raw += Array(argument.utf8)
                if random.next() % 4 == 0 {
                    let junk: [UInt8] = [0xFF, 0xC3, 0x80, 0xE2, 0x82, 0xF0, 0x9F, 0xED, 0xA0, 0xC0, 0xFE]
                    raw.insert(junk[Int(random.next() % UInt64(junk.count))], at: Int(random.next() % UInt64(raw.count + 1)))
                }
                raw.append(0)
            }
            if random.next() % 5 == 0, !raw.isEmpty { raw.removeLast() }  // argv rewritten without the final NUL
            let expected = LegacyProcessArguments.parse(raw, decode: EscapedText.decode)
            let actual = ProcessArguments.parse(raw[...])
            #expect(actual.map { Array($0.utf8) } == expected.map { Array($0.utf8) }, "seed \(seed): \(raw)")
        }
    }

    /// ASCII command lines take the sampler's byte path (no `String` per argument until the
    /// result): against the reference redactor and the reference decoding, byte for byte.
    @Test func parsesASCIICmdlineBytesExactlyAsTheReference() {
        let ascii = Self.fragments.filter { $0.utf8.allSatisfy { $0 < 0x80 } }
        var redacted = 0
        for index in 0..<Self.cases {
            let seed = 0xA5C1_1000_0000 + UInt64(index)
            var random = SplitMix64(seed: seed)
            let argv: [String] = (0..<Int(random.next() % 8)).map { _ in
                var argument = ""
                for _ in 0..<Int(random.next() % 10) {
                    argument += ascii[Int(random.next() % UInt64(ascii.count))]
                    if random.next() % 3 == 0 { argument += " " }
                }
                return argument
            }
            var raw: [UInt8] = argv.flatMap { Array($0.utf8) + [UInt8(0)] }
            if random.next() % 5 == 0, !raw.isEmpty { raw.removeLast() }
            let expected = LegacyProcessArguments.parse(raw, decode: LegacyEscapedText.decode)
            let actual = ProcessArguments.parse(raw[...])
            if LegacySecretRedactor.redact(argv) != argv { redacted += 1 }
            #expect(actual.map { Array($0.utf8) } == expected.map { Array($0.utf8) }, "seed \(seed): \(raw)")
        }
        #expect(redacted > Self.cases / 10, "\(redacted) of \(Self.cases) ASCII command lines redacted")
    }

    /// EscapedText.decode (ASCII without `String(validating:)`) against the decoding it replaced,
    /// on ASCII, UTF-8 and bytes that are not UTF-8.
    @Test func decodesExactlyAsTheReference() {
        var random = SplitMix64(seed: 0xDEC0_DE00)
        let pieces: [[UInt8]] = [Array("abc".utf8), Array("\\x".utf8), [0x5C], [0], Array("caf\u{e9}".utf8), Array("\u{1F600}".utf8),
                                 [0xFF], [0xC3], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x7F], [0x20]]
        for _ in 0..<4_000 {
            var raw: [UInt8] = []
            for _ in 0..<Int(random.next() % 12) { raw += pieces[Int(random.next() % UInt64(pieces.count))] }
            let start = raw.isEmpty ? 0 : Int(random.next() % UInt64(raw.count))  // slices that do not start at 0
            #expect(Array(EscapedText.decode(raw[start...]).utf8) == Array(LegacyEscapedText.decode(raw[start...]).utf8), "\(raw) from \(start)")
        }
    }

    /// The generator must reach every rule: the reference redacts in a good share of the cases.
    @Test func theGeneratorReachesEveryRule() {
        var redacted = 0
        for index in 0..<1_000 {
            var random = SplitMix64(seed: 0x15_07_2ACE_0000 + UInt64(index))
            let argv = Self.argv(&random)
            if LegacySecretRedactor.redact(argv) != argv { redacted += 1 }
        }
        #expect(redacted > 200 && redacted < 900, "\(redacted) of 1,000 random argv redacted")
    }

    /// 0 to 7 arguments, each 0 to 9 fragments glued together or separated by a space.
    static func argv(_ random: inout SplitMix64) -> [String] {
        (0..<Int(random.next() % 8)).map { _ in
            var argument = ""
            for _ in 0..<Int(random.next() % 10) {
                argument += fragments[Int(random.next() % UInt64(fragments.count))]
                if random.next() % 3 == 0 { argument += " " }
            }
            return argument
        }
    }
}
