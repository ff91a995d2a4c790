import CProcShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The fields isotrace uses from `/proc/<pid>/stat` (proc(5)).
public struct ProcessStat: Sendable, Equatable {
    public var pid: Int32
    /// `comm`, up to 16 bytes, chosen by the process itself: it may hold spaces and parentheses.
    public var comm: String
    public var state: String
    public var ppid: Int32
    public var pgid: Int32
    public var sid: Int32
    /// `flags` (field 9); PF_KTHREAD marks kernel threads.
    public var flags: UInt64
    /// Start time after boot in clock ticks (field 22): with boot_id and pid, the identity of a process.
    public var startTicks: UInt64

    public var isKernelThread: Bool { flags & 0x0020_0000 != 0 }

    public init(pid: Int32, comm: String, state: String, ppid: Int32, pgid: Int32, sid: Int32, flags: UInt64, startTicks: UInt64) {
        self.pid = pid
        self.comm = comm
        self.state = state
        self.ppid = ppid
        self.pgid = pgid
        self.sid = sid
        self.flags = flags
        self.startTicks = startTicks
    }

    /// `num_threads` (field 20) of a stat file, without parsing the rest.
    public static func threadCount(_ bytes: Bytes) -> Int? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = ByteScan.leadingFields(ByteScan.trimmed(bytes[(close + 1)...]), limit: 18)
        guard rest.count >= 18, let value = ByteScan.signed(rest[17]) else { return nil }
        return Int(value)
    }

    /// The largest start time (field 22) believed: 8000 years of ticks at 1000 Hz.
    public static let maximumStartTicks: Int64 = 8000 * 366 * 86_400 * 1000

    /// Parses the one-line stat file. `comm` is taken between the first `(` and the LAST `)`,
    /// because the process controls its name and may put `) R 1 ...` into it.
    public static func parse(_ bytes: Bytes) throws(ParseError) -> ProcessStat {
        // A kernel's line takes the one-pass path; anything it does not expect is parsed again
        // by the checking path, which names what is wrong.
        if let stat = fastParse(bytes) { return stat }
        return try parseChecked(bytes)
    }

    /// The fields isotrace uses, read in place in one pass in C (`isotrace_parse_stat`; nil: let
    /// `parseChecked` say why).
    static func fastParse(_ bytes: Bytes) -> ProcessStat? {
        bytes.withUnsafeBufferPointer { text -> ProcessStat? in
            guard let base = text.baseAddress else { return nil }
            var stat = isotrace_stat()
            guard isotrace_parse_stat(base, text.count, maximumStartTicks, &stat) == 1 else { return nil }
            return ProcessStat(
                pid: stat.pid, comm: EscapedText.decode(bytes[(bytes.startIndex + stat.comm_start)..<(bytes.startIndex + stat.comm_end)]),
                state: String(Unicode.Scalar(stat.state)),
                ppid: stat.ppid, pgid: stat.pgid, sid: stat.sid, flags: stat.flags, startTicks: stat.start_ticks)
        }
    }

    static func parseChecked(_ bytes: Bytes) throws(ParseError) -> ProcessStat {
        func fail(_ reason: String) -> ParseError { ParseError(file: "stat", line: 1, reason: reason) }
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close
        else { throw fail("no '(comm)' in \(ByteScan.preview(bytes))") }
        guard let pid = ByteScan.signed(ByteScan.trimmed(bytes[bytes.startIndex..<open])).flatMap(Int32.init(exactly:))
        else { throw fail("pid is not a number in \(ByteScan.preview(bytes))") }
        let comm = EscapedText.decode(bytes[(open + 1)..<close])
        // Fields after comm start at field 3 (state); index 0 here is field 3.
        let rest = ByteScan.leadingFields(ByteScan.trimmed(bytes[(close + 1)...]), limit: 20)
        guard rest.count >= 20 else { throw fail("expected at least 22 fields, found \(rest.count + 2)") }
        func number(_ field: Int) throws(ParseError) -> Int64 {
            guard let value = ByteScan.signed(rest[field - 3]) else {
                throw fail("field \(field) is not a number: \(ByteScan.preview(rest[field - 3]))")
            }
            return value
        }
        func pidField(_ field: Int) throws(ParseError) -> Int32 {
            guard let value = Int32(exactly: try number(field)) else { throw fail("field \(field) is out of range") }
            return value
        }
        let state = EscapedText.decode(rest[0])
        guard state.count == 1 else { throw fail("state (field 3) is not one letter: \(ByteScan.preview(rest[0]))") }
        let flags = try number(9)
        let start = try number(22)
        guard flags >= 0, start >= 0 else { throw fail("negative flags or start time") }
        // More ticks than 1000 Hz (the fastest CLK_TCK) give in 8000 years: a forged stat.
        guard start <= Self.maximumStartTicks else { throw fail("start time (field 22) \(start) is out of range") }
        return ProcessStat(
            pid: pid, comm: comm, state: state,
            ppid: try pidField(4), pgid: try pidField(5), sid: try pidField(6),
            flags: UInt64(flags), startTicks: UInt64(start))
    }
}
