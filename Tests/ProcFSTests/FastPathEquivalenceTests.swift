import CProcShim
import Foundation
import TestSupport
import Testing
@testable import ProcFS

/// The sampler's fast paths give what the plain ones give: status files (the one-pass parse and
/// the checking parse), JSON strings (eight bytes at a time and JSONEncoder), environments
/// (shared by content and parsed alone), cgroup lines (stored and made from the fields).
@Suite struct FastPathEquivalenceTests {
    /// Status files mutated at random (lines dropped, doubled, swapped, bytes changed): whenever
    /// the one-pass parse gives a value, it is the checking parse's; else `parse` is the checking
    /// parse (same value or same error).
    @Test func statusParsesAgreeOnMutatedFiles() throws {
        var generator = SplitMix64(seed: 20)
        let lines = ProcessStatusTests.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let alphabet = Array("0123456789abcdefABCDEF:\t \n-xZ".utf8)
        var fastTaken = 0
        for round in 0..<3000 {
            var mutated = lines
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                let index = Int.random(in: 0..<mutated.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: mutated.remove(at: index)
                case 1: mutated.insert(mutated[index], at: index)
                case 2: mutated.swapAt(index, Int.random(in: 0..<mutated.count, using: &generator))
                default:
                    var bytes = Array(mutated[index].utf8)
                    if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = alphabet.randomElement(using: &generator)! }
                    mutated[index] = String(decoding: bytes, as: UTF8.self)
                }
                if mutated.isEmpty { mutated = lines }
            }
            let bytes = Array(mutated.joined(separator: "\n").utf8)[...]
            let checked = Result { () throws(ParseError) in try ProcessStatus.parseChecked(bytes) }
            if let fast = bytes.withUnsafeBufferPointer({ FastStatus.parse($0) }) {
                fastTaken += 1
                #expect(Result<ProcessStatus, ParseError>.success(fast) == checked, "round \(round): \(mutated)")
            }
            let parsed = Result { () throws(ParseError) in try ProcessStatus.parse(bytes) }
            #expect(parsed == checked, "round \(round)")
        }
        #expect(fastTaken > 300, "the one-pass parse took only \(fastTaken) files")
    }

    /// Integers written two digits at a time read as their decimal text: every value to 1,000,
    /// each power of ten and its neighbours, the extremes.
    @Test func integersAsDecimalText() {
        var values: [Int64] = Array(-1000...1000) + [Int64.min, Int64.max, Int64.min + 1, Int64.max - 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -power + 1]
        }
        for value in values {
            var json = JSONBytes(capacity: 8)
            json.integer(value)
            #expect(String(decoding: json.bytes, as: UTF8.self) == String(value))
        }
        for value in [UInt64.max, UInt64.max - 1, UInt64(Int64.max) + 1] {
            var json = JSONBytes(capacity: 8)
            json.integer(value)
            #expect(String(decoding: json.bytes, as: UTF8.self) == String(value))
        }
    }

    /// Every escape at every position of strings of 0 to 40 bytes (the eight-byte steps, the
    /// overlapping tail, the padded short string), against JSONEncoder.
    @Test func stringEscapesAtEveryPositionMatchJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let specials: [String] = ["\"", "\\", "\n", "\u{0}", "\u{1f}", "\u{7f}", "é", "😀", " ", "/"]
        for length in 0...40 {
            for special in specials {
                for position in 0...length {
                    let base = String(repeating: "a", count: length)
                    let text = String(base.prefix(position)) + special + String(base.dropFirst(position))
                    var json = JSONBytes(capacity: 64)
                    json.string(text)
                    #expect(json.bytes == Array(try encoder.encode(text)), "\(text.debugDescription)")
                }
            }
            var json = JSONBytes(capacity: 64)
            let plain = String(repeating: "x", count: length)
            json.string(plain)
            #expect(json.bytes == Array(try encoder.encode(plain)))
        }
    }

    /// Random strings with several escapes, runs of every length between them and non-ASCII
    /// text, against JSONEncoder (the writer's reference): the clean-run scan restarts after each
    /// escape.
    @Test func randomStringsMatchJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var generator = SplitMix64(seed: 2026_12_05)
        let pieces = ["\"", "\\", "\n", "\t", "\r", "\u{8}", "\u{c}", "\u{0}", "\u{1}", "\u{1f}", "\u{7f}", "é", "😀", "/",
                      "a", "ab", "abcdefg", "abcdefgh", "abcdefghijklmnopq", " ", "\"\"", "\\\\"]
        var json = JSONBytes(capacity: 16)
        var expected: [UInt8] = [UInt8(ascii: "[")]
        json.beginArray()
        for round in 0..<3000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            json.string(text)
            if round > 0 { expected.append(UInt8(ascii: ",")) }
            expected += Array(try encoder.encode(text))
            var alone = JSONBytes(capacity: 1)
            alone.string(text)
            #expect(alone.bytes == Array(try encoder.encode(text)), "\(text.debugDescription)")
        }
        json.endArray()
        expected.append(UInt8(ascii: "]"))
        #expect(json.bytes == expected)
    }

    /// json_scan.c's one block test, as both its callers use it: the snapshot writer's copy of a
    /// clean run (`isotrace_json_copy_clean`: non-ASCII bytes are clean) and the record parser's
    /// and canonical check's plain run (`isotrace_json_plain_prefix`: they stop at non-ASCII), on
    /// strings that end just before an unreadable page, and anywhere else in it: the short
    /// strings' one-block read must not fault, and the counts and the copied bytes are a
    /// byte-by-byte scan's.
    @Test func cleanRunCopyAndPlainRunStopWhereAByteScanStops() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let memory = mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), memory != MAP_FAILED else {
            Issue.record("mmap failed: errno \(errno)")
            return
        }
        defer { munmap(memory, 2 * page) }
        #expect(mprotect(memory + page, page, PROT_NONE) == 0)
        let bytes = memory.assumingMemoryBound(to: UInt8.self)
        var generator = SplitMix64(seed: 16)
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x01, 0x1F, 0x20, 0x7F, 0x80, 0xFF, 0x2F]
        var out = [UInt8](repeating: 0, count: 200)
        for round in 0..<20000 {
            let count = Int.random(in: 0...70, using: &generator)
            let start = round % 2 == 0 ? page - count : Int.random(in: 0...(page - count), using: &generator)
            for index in 0..<count {
                bytes[start + index] = Int.random(in: 0..<8, using: &generator) == 0
                    ? specials.randomElement(using: &generator)! : UInt8.random(in: 0x61...0x7A, using: &generator)
            }
            let expected = (0..<count).first { bytes[start + $0] < 0x20 || bytes[start + $0] == 0x22 || bytes[start + $0] == 0x5C } ?? count
            let copied = out.withUnsafeMutableBufferPointer { isotrace_json_copy_clean($0.baseAddress!, bytes + start, count) }
            #expect(copied == expected, "round \(round)")
            let plain = (0..<count).first { bytes[start + $0] < 0x20 || bytes[start + $0] == 0x22 || bytes[start + $0] == 0x5C || bytes[start + $0] >= 0x80 } ?? count
            #expect(isotrace_json_plain_prefix(bytes + start, count) == plain, "round \(round)")
            #expect(Array(out[0..<min(copied, expected)]) == Array(UnsafeBufferPointer(start: bytes + start, count: min(copied, expected))))
        }
    }

    /// Environments parsed one after another through one shared cache give what each gives
    /// alone, with one-letter and empty extra names (the two-byte filter's edge cases).
    @Test func sharedEnvironmentsAreTheEnvironmentsAlone() {
        var generator = SplitMix64(seed: 7)
        let names = ["PandaID", "PANDAID", "PATH", "P", "X", "", "GTAG", "HOME", "PanDA_TaskID", "LD_LIBRARY_PATH", "SLURM_JOB_ID", "PA"]
        let values = ["1", "42", "", "/usr/bin", "a=b", "\u{ff}"]
        for extra in [[], ["P"], ["X", "PA"], [""]] {
            let allowlist = EnvironmentAllowlist(extra: extra)
            var shared = SharedEnvironments()
            for _ in 0..<400 {
                var environ: [UInt8] = []
                for _ in 0..<Int.random(in: 0...8, using: &generator) {
                    let entry = names.randomElement(using: &generator)! + (Bool.random(using: &generator) ? "=" : "") + values.randomElement(using: &generator)!
                    environ += Array(entry.utf8) + [0]
                }
                if Bool.random(using: &generator), !environ.isEmpty { environ.removeLast() }
                #expect(allowlist.parse(environ[...], sharing: &shared) == allowlist.parse(environ[...]), "\(extra) \(environ)")
            }
        }
    }

    /// The C scan of an environment (`isotrace_environ_named`) keeps what a plain reading of
    /// getenv's rule keeps: split at each NUL, the name before the first '=', allowlisted, the
    /// first of each name. Environments of long and short entries, several hundred entries (the
    /// scan hands back sixteen at a time), names of one byte, one that another's first two
    /// bytes start, a long one (300 bytes), and an empty one (the Swift path then: no two-byte
    /// filter).
    @Test func environmentScanKeepsWhatAPlainReadingKeeps() {
        var generator = SplitMix64(seed: 21)
        let long = String(repeating: "L", count: 300)
        let names = ["", "PandaID", "PANDAID", "PATH", "PANDA_AUTH_TOKEN", "P", "X", "GTAG", "GT", "HOME", "PanDA_TaskID",
                     "LD_LIBRARY_PATH", "JOB_ID", "JOB_IDX", "PA", long, String(repeating: "Z", count: 21), "ZZ"]
        let values = ["1", "42", "", "/usr/bin:" + String(repeating: "/cvmfs/atlas.cern.ch/x", count: 12), "a=b", "\u{ff}", "\u{0}"]
        for extra in [[], ["P"], ["X", "PA"], ["GT", "JOB_IDX"], [long], [String(repeating: "Z", count: 21)], [""]] {
            let allowlist = EnvironmentAllowlist(extra: extra)
            for _ in 0..<200 {
                var environ: [UInt8] = []
                for _ in 0..<Int.random(in: 0...(Bool.random(using: &generator) ? 8 : 400), using: &generator) {
                    let entry = names.randomElement(using: &generator)! + (Int.random(in: 0..<5, using: &generator) > 0 ? "=" : "")
                        + values.randomElement(using: &generator)!
                    environ += Array(entry.utf8) + [0]
                }
                if Bool.random(using: &generator), !environ.isEmpty { environ.removeLast() }
                var expected: [String: String] = [:]
                for entry in environ.split(separator: 0, omittingEmptySubsequences: false) {
                    guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
                    let name = String(decoding: entry[entry.startIndex..<equals], as: UTF8.self)
                    if allowlist.names.contains(name), expected[name] == nil {
                        expected[name] = EscapedText.decode(entry[(equals + 1)...])
                    }
                }
                #expect(allowlist.parse(environ[...]) == expected, "\(extra) \(environ.count) bytes")
            }
        }
    }

    @Test func cgroupLineFollowsItsFields() throws {
        var entry = CgroupEntry(hierarchy: 4, controllers: ["cpu", "cpuacct"], path: "/a:b")
        #expect(entry.line == "4:cpu,cpuacct:/a:b")
        entry.path = "/c"
        entry.controllers = []
        entry.hierarchy = 0
        #expect(entry.line == "0::/c")
        let decoded = try JSONDecoder().decode(CgroupEntry.self, from: try JSONEncoder().encode(entry))
        #expect(decoded == entry && decoded.line == "0::/c")
        let parsed = try CgroupEntry.parseFile(Array("7:name=systemd:/x\n0::/\n".utf8)[...])
        #expect(parsed.map(\.line) == ["7:name=systemd:/x", "0::/"])
    }
}


/// The one-pass stat parse against the checking one, on stat lines mutated at random.
@Suite struct StatFastPathTests {
    @Test func statParsesAgreeOnMutatedLines() {
        var generator = SplitMix64(seed: 22)
        let lines = [
            ProcessStatTests.line(comm: "bash"), ProcessStatTests.line(comm: "a) R 1 2 (b"), ProcessStatTests.line(comm: "x y\tz"),
            ProcessStatTests.line(comm: "kworker/0:1", flags: 0x0020_8040),
        ]
        let alphabet = Array("0123456789-() \t\nRSZé\\x".utf8)
        var fastTaken = 0
        for round in 0..<4000 {
            var bytes = Array(lines.randomElement(using: &generator)!.utf8)
            for _ in 0..<Int.random(in: 0...2, using: &generator) where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: index)
                }
            }
            let checked = Result { () throws(ParseError) in try ProcessStat.parseChecked(bytes[...]) }
            if let fast = ProcessStat.fastParse(bytes[...]) {
                fastTaken += 1
                #expect(Result<ProcessStat, ParseError>.success(fast) == checked, "round \(round): \(String(decoding: bytes, as: UTF8.self))")
            }
            #expect(Result { () throws(ParseError) in try ProcessStat.parse(bytes[...]) } == checked, "round \(round)")
        }
        #expect(fastTaken > 1000, "the one-pass parse took only \(fastTaken) lines")
    }
}
