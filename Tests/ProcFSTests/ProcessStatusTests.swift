import Foundation
import Testing
@testable import ProcFS

/// `/proc/<pid>/status` (proc(5) "/proc/pid/status").
@Suite struct ProcessStatusTests {
    /// The shape of a Linux 6.x status file (trimmed memory lines), for a process in a child PID namespace.
    static let text = """
        Name:\tpython3
        Umask:\t0022
        State:\tS (sleeping)
        Tgid:\t4401
        Ngid:\t0
        Pid:\t4401
        PPid:\t4400
        TracerPid:\t4300
        Uid:\t1000\t1001\t1002\t1003
        Gid:\t2000\t2001\t2002\t2003
        FDSize:\t64
        Groups:\t4 24 27 100 1000 \n\
        NStgid:\t4401\t2
        NSpid:\t4401\t2
        NSpgid:\t4400\t1
        NSsid:\t4400\t1
        Kthread:\t0
        VmPeak:\t    8784 kB
        Threads:\t1
        SigQ:\t0/96365
        CapInh:\t0000000000000000
        CapPrm:\t000001ffffffffff
        CapEff:\t000001fffeffffff
        CapBnd:\t000001ffffffffff
        CapAmb:\t0000000000000400
        NoNewPrivs:\t1
        Seccomp:\t2
        Seccomp_filters:\t3
        Speculation_Store_Bypass:\tvulnerable
        Cpus_allowed_list:\t0-1
        voluntary_ctxt_switches:\t118

        """

    static func replacing(_ old: String, with new: String) -> Bytes {
        precondition(text.contains(old))
        return bytes(text.replacingOccurrences(of: old, with: new))
    }

    /// 1-based line of the first line starting with `key`.
    static func lineNumber(of key: String) -> Int {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix(key) }! + 1
    }

    @Test func parsesEveryField() throws {
        let status = try ProcessStatus.parse(bytes(Self.text))
        #expect(status.uids == [1000, 1001, 1002, 1003])
        #expect(status.gids == [2000, 2001, 2002, 2003])
        #expect(status.groups == [4, 24, 27, 100, 1000])
        #expect(status.nspid == [4401, 2])
        #expect(status.capabilities == CapabilitySets(
            inheritable: 0, permitted: 0x1ff_ffff_ffff, effective: 0x1ff_feff_ffff, bounding: 0x1ff_ffff_ffff,
            ambient: 0x400))
        #expect(status.noNewPrivs)
        #expect(status.seccomp == .filter)
        #expect(status.seccompFilters == 3)
        #expect(status.tracerPid == 4300)
    }

    @Test func emptyGroupsLineIsNoGroups() throws {
        // The kernel prints "Groups:\t" followed by one space when there are none.
        let status = try ProcessStatus.parse(Self.replacing("Groups:\t4 24 27 100 1000 \n", with: "Groups:\t \n"))
        #expect(status.groups == [])
    }

    @Test func missingSeccompFiltersIsNil() throws {
        // Seccomp_filters appeared in Linux 5.9; older kernels do not print it.
        let status = try ProcessStatus.parse(Self.replacing("Seccomp_filters:\t3\n", with: ""))
        #expect(status.seccompFilters == nil)
        #expect(status.seccomp == .filter)
    }

    @Test(arguments: [(UInt64(0), SeccompMode.disabled), (1, .strict), (2, .filter)])
    func seccompModes(value: UInt64, mode: SeccompMode) throws {
        let status = try ProcessStatus.parse(Self.replacing("Seccomp:\t2\n", with: "Seccomp:\t\(value)\n"))
        #expect(status.seccomp == mode)
    }

    @Test func singleNSpidInTheInitialNamespace() throws {
        let status = try ProcessStatus.parse(Self.replacing("NSpid:\t4401\t2\n", with: "NSpid:\t4401\n"))
        #expect(status.nspid == [4401])
    }

    @Test(arguments: [
        ("Uid:\t1000\t1001\t1002\t1003\n", "Uid:\t1000\t1001\t1002\n", "Uid", "Uid: expected 4 values, found 3"),
        ("Uid:\t1000\t1001\t1002\t1003\n", "Uid:\t1000\t1001\t1002\t1003\t1004\n", "Uid", "Uid: expected 4 values, found 5"),
        ("Gid:\t2000\t2001\t2002\t2003\n", "Gid:\t2000\tx\t2002\t2003\n", "Gid", "Gid: not a number"),
        ("Uid:\t1000\t1001\t1002\t1003\n", "Uid:\t4294967296\t1\t1\t1\n", "Uid", "out of range"),
        ("CapEff:\t000001fffeffffff\n", "CapEff:\tzzzz\n", "CapEff", "CapEff: not a hex mask"),
        ("Seccomp:\t2\n", "Seccomp:\t3\n", "Seccomp:", "Seccomp: unknown mode 3"),
        ("NoNewPrivs:\t1\n", "NoNewPrivs:\t1 1\n", "NoNewPrivs", "NoNewPrivs: expected 1 values, found 2"),
    ])
    func badValueIsAParseErrorWithItsLine(old: String, new: String, key: String, reason: String) throws {
        let error = #expect(throws: ParseError.self) { try ProcessStatus.parse(Self.replacing(old, with: new)) }
        #expect(error?.file == "status")
        #expect(error?.line == Self.lineNumber(of: key))
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func lineWithoutColonIsAParseErrorWithItsLine() throws {
        let error = #expect(throws: ParseError.self) {
            try ProcessStatus.parse(Self.replacing("FDSize:\t64\n", with: "FDSize 64\n"))
        }
        #expect(error?.line == Self.lineNumber(of: "FDSize"))
        #expect(error?.reason.contains("no ':'") == true)
    }

    @Test func truncatedStatusNamesTheMissingField() throws {
        let cut = String(Self.text[..<Self.text.range(of: "FDSize:")!.lowerBound])
        let error = #expect(throws: ParseError.self) { try ProcessStatus.parse(bytes(cut)) }
        #expect(error?.file == "status")
        #expect(error?.line == nil)
        #expect(error?.reason.hasPrefix("no '") == true)
    }

    @Test func emptyStatusIsAnError() {
        #expect(throws: ParseError.self) { try ProcessStatus.parse(bytes("")) }
    }
}
