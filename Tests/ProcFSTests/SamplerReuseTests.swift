import Foundation
import TestSupport
import Testing
@testable import ProcFS

/// `sample(reusing:)`: a process known by identity is not parsed again in full (the daemon's
/// steady-state cycle); what can change while it lives is re-read.
@Suite struct SamplerReuseTests {
    /// A writable copy of the pilot3 fixture tree (in `tree`), removed by the caller.
    static func copyTree() throws -> TestDirectory {
        let copy = try TestDirectory("isotrace-reuse")
        try FileManager.default.copyItem(at: FixtureTree.fixtures.appendingPathComponent("pilot3-generic"), to: copy.url.appendingPathComponent("tree"))
        return copy
    }

    static func write(_ text: String, _ path: URL) throws { try text.write(to: path, atomically: false, encoding: .utf8) }

    @Test("nothing changed: the reusing sample equals a full one")
    func unchangedEqualsFull() throws {
        let sampler = ProcSampler(procRoot: FixtureTree.procRoot("pilot3-generic"))
        let full = try sampler.sample()
        let known = Dictionary(uniqueKeysWithValues: full.processes.map { ($0.pid, $0) })
        let again = try sampler.sample(reusing: known)
        #expect(again.processes == full.processes)
        #expect(again.counters == full.counters)
        #expect(again.mountNamespaces == full.mountNamespaces)
    }

    @Test("a known identity keeps cmdline, environ, cwd, exe; status, ns links and cgroup are re-read")
    func knownIdentityRefreshesOnlyWhatChanges() throws {
        let copy = try Self.copyTree()
        defer { copy.remove() }
        let tree = copy.url.appendingPathComponent("tree")
        let proc = tree.appendingPathComponent("proc")
        let sampler = ProcSampler(procRoot: proc.path)
        let first = try sampler.sample()
        let known = Dictionary(uniqueKeysWithValues: first.processes.map { ($0.pid, $0) })
        let before = try #require(first.process(25629))

        let dir = proc.appendingPathComponent("25629")
        try Self.write("sleep\u{0}999\u{0}", dir.appendingPathComponent("cmdline"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("environ"))
        var status = try String(contentsOf: dir.appendingPathComponent("status"), encoding: .utf8)
        status = status.replacingOccurrences(of: "Uid:\t2001\t2001\t2001\t2001", with: "Uid:\t2001\t0\t2001\t0")
        status = status.replacingOccurrences(of: "TracerPid:\t0", with: "TracerPid:\t4242")
        try Self.write(status, dir.appendingPathComponent("status"))
        let ipc = dir.appendingPathComponent("ns/ipc")
        try FileManager.default.removeItem(at: ipc)
        try FileManager.default.createSymbolicLink(atPath: ipc.path, withDestinationPath: "ipc:[4026532999]")
        try Self.write("0::/moved/elsewhere\n", dir.appendingPathComponent("cgroup"))

        let second = try sampler.sample(reusing: known)
        let after = try #require(second.process(25629))
        #expect(after.arguments == before.arguments, "cmdline not re-read for a known identity")
        #expect(after.environment == before.environment, "environ not re-read")
        #expect(after.cwd == before.cwd && after.exe == before.exe)
        #expect(after.status?.uids == [2001, 0, 2001, 0])
        #expect(after.status?.tracerPid == 4242)
        #expect(after.namespaces[.ipc] == 4026532999)
        #expect(after.cgroupPath == "/moved/elsewhere")

        let full = try sampler.sample()
        #expect(full.process(25629)?.arguments == ["sleep", "999"], "a full sample does read the new cmdline")
    }

    @Test("a reused PID (other start ticks) is parsed in full")
    func reusedPIDIsReadInFull() throws {
        let copy = try Self.copyTree()
        defer { copy.remove() }
        let tree = copy.url.appendingPathComponent("tree")
        let proc = tree.appendingPathComponent("proc")
        let sampler = ProcSampler(procRoot: proc.path)
        let known = Dictionary(uniqueKeysWithValues: try sampler.sample().processes.map { ($0.pid, $0) })
        let dir = proc.appendingPathComponent("25629")
        let stat = try String(contentsOf: dir.appendingPathComponent("stat"), encoding: .utf8)
        try Self.write(stat.replacingOccurrences(of: " 685473 ", with: " 985473 "), dir.appendingPathComponent("stat"))
        try Self.write("sleep\u{0}999\u{0}", dir.appendingPathComponent("cmdline"))

        let after = try #require(try sampler.sample(reusing: known).process(25629))
        #expect(after.identity.startTicks == 985473)
        #expect(after.arguments == ["sleep", "999"])
    }
}
