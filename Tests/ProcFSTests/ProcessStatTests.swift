import Testing
@testable import ProcFS

/// `/proc/<pid>/stat` (proc(5) "/proc/pid/stat"): pid (comm) state ppid pgrp session ... starttime(22) ...
@Suite struct ProcessStatTests {
    /// Builds a 52-field stat line around `comm`, the way the kernel prints it.
    static func line(pid: Int = 4242, comm: String, state: String = "S", ppid: Int = 1, flags: UInt64 = 4_194_560,
                     start: UInt64 = 777) -> String {
        "\(pid) (\(comm)) \(state) \(ppid) \(pid) \(pid) 0 -1 \(flags) 102 0 0 0 0 0 0 0 20 0 1 0 \(start) 3133440 378 "
            + "18446744073709551615 94043544600576 94043544620457 140728105755248 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
            + "94043544636464 94043544638080 94044176216064 140728105761476 140728105761496 140728105761496 140728105762795 0\n"
    }

    @Test func parsesARealLine() throws {
        // `cat /proc/self/stat` on the development machine.
        let text = "5775 (cat) R 5762 5762 4601 0 -1 4194304 102 0 0 0 0 0 0 0 20 0 1 0 59657 3133440 378 "
            + "18446744073709551615 94043544600576 94043544620457 140728105755248 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
            + "94043544636464 94043544638080 94044176216064 140728105761476 140728105761496 140728105761496 140728105762795 0\n"
        let stat = try ProcessStat.parse(bytes(text))
        #expect(stat == ProcessStat(pid: 5775, comm: "cat", state: "R", ppid: 5762, pgid: 5762, sid: 4601,
                                    flags: 4_194_304, startTicks: 59657))
        #expect(!stat.isKernelThread)
    }

    @Test func kernelThreadHasPFKthread() throws {
        let text = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 "
            + "2147483647 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        let stat = try ProcessStat.parse(bytes(text))
        #expect(stat.isKernelThread)  // 2129984 = 0x208040 includes PF_KTHREAD 0x00200000
        #expect(stat.ppid == 0 && stat.pgid == 0 && stat.sid == 0 && stat.startTicks == 24)
    }

    /// comm is whatever the process wrote with prctl(PR_SET_NAME): it is delimited by the first
    /// '(' and the LAST ')', so a name holding ") R 1" cannot shift the following fields.
    @Test(arguments: ["x) R 1 2 (y z", "(a) b) c)", "a b", "()", ")", "(", "", "kworker/0:1-events", ") S 99 99 99"])
    func commWithSpacesAndParentheses(comm: String) throws {
        let stat = try ProcessStat.parse(bytes(Self.line(comm: comm, state: "D", ppid: 31, start: 9_812_345)))
        #expect(stat.comm == comm)
        #expect(stat.pid == 4242)
        #expect(stat.state == "D")
        #expect(stat.ppid == 31)
        #expect(stat.startTicks == 9_812_345)
    }

    @Test func nonUTF8CommIsEscaped() throws {
        var raw = Array("17 (a".utf8) + [0xFF] + Array("b) S 1 17 17 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0".utf8)
        raw.append(0x0A)
        let stat = try ProcessStat.parse(bytes(raw))
        #expect(stat.comm == "a\\xffb")
        #expect(stat.startTicks == 5)
    }

    @Test func acceptsExactly22Fields() throws {
        let stat = try ProcessStat.parse(bytes("9 (sh) Z 8 9 9 0 -1 4227084 0 0 0 0 0 0 0 0 20 0 1 0 1234"))
        #expect(stat.state == "Z" && stat.startTicks == 1234 && stat.ppid == 8)
    }

    @Test(arguments: [
        ("101 (bash) S 1 101 101 0 -1 4194560 120 0\n", "expected at least 22 fields, found 11"),
        ("\u{1}\u{2}garbage with no comm at all\n", "no '(comm)'"),
        ("", "no '(comm)'"),
        ("abc (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n", "pid is not a number"),
        ("7 (bash) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n", "state (field 3) is not one letter"),
        ("7 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 soon 0 0\n", "field 22 is not a number"),
        ("7 (bash) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n", "field 4 is not a number"),
        ("7 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 0 0\n", "negative"),
        ("7 (bash) S 1 99999999999 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n", "field 5 is out of range"),
    ])
    func garbageIsAParseErrorOnLine1(text: String, reason: String) throws {
        let error = #expect(throws: ParseError.self) { try ProcessStat.parse(bytes(text)) }
        #expect(error?.file == "stat")
        #expect(error?.line == 1)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }
}
