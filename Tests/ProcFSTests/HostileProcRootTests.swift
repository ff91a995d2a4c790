import Base
import Foundation
import Testing
@testable import ProcFS
#if canImport(Glibc)
import Glibc
#endif

/// Issue 21 findings 9 and 11: a `--proc-root` tree is input like any other. Overflowing numbers
/// are errors or dropped processes (they were a SIGILL), only regular files are read (a FIFO as
/// cmdline hung the sampler), every read is bounded (environ -> /dev/zero read 4 GB), and a
/// directory `00100` is not a second pid 100.
@Suite struct HostileProcRootTests {
    /// A copy of the `malformed` tree's node files and its good process 100, in a temp directory.
    final class Tree {
        let root: String

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("isotrace-hostile-\(getpid())-\(UUID().uuidString)").path
            let source = FixtureTree.procRoot("malformed")
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            for name in ["stat", "sys", "100"] {
                try FileManager.default.copyItem(atPath: source + "/" + name, toPath: root + "/" + name)
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// Process 100 again as `name`, with `pid` as the first field of its stat.
        func copyProcess(as name: String, pid: Int32, startTicks: String = "5100") throws {
            try FileManager.default.copyItem(atPath: root + "/100", toPath: root + "/" + name)
            let stat = try String(contentsOfFile: root + "/100/stat", encoding: .utf8)
                .replacingOccurrences(of: "100 (bash)", with: "\(pid) (bash)")
                .replacingOccurrences(of: " 5100 ", with: " \(startTicks) ")
            try stat.write(toFile: root + "/\(name)/stat", atomically: false, encoding: .utf8)
        }

        func replace(_ file: String, with body: (String) throws -> Void) throws {
            try FileManager.default.removeItem(atPath: root + "/" + file)
            try body(root + "/" + file)
        }

        func sample() throws -> Snapshot { try ProcSampler(procRoot: root).sample() }
    }

    @Test func startTicksOfIntMaxDropTheProcessNotTheSampler() throws {
        let tree = try Tree()
        try tree.copyProcess(as: "200", pid: 200, startTicks: "9223372036854775807")
        let snapshot = try tree.sample()
        #expect(snapshot.processes.map(\.pid) == [100])
        let problem = try #require(snapshot.problems.first { $0.pid == 200 })
        #expect(problem.file == tree.root + "/200/stat" && problem.reason.contains("field 22"), "\(problem)")
    }

    @Test func btimeOfUInt64MaxIsAnErrorNamingTheFile() throws {
        let tree = try Tree()
        try tree.replace("stat") { path in
            try "cpu  1 2 3 4\nbtime 18446744073709551615\n".write(toFile: path, atomically: false, encoding: .utf8)
        }
        let error = try #require(throws: ProcRootError.self) { try tree.sample() }
        #expect("\(error)".contains("stat") && "\(error)".contains("btime 18446744073709551615 is out of range"), "\(error)")
    }

    @Test func startTimeArithmeticSaturates() {
        #expect(UTCTime(bootTime: .max, ticks: .max, ticksPerSecond: 100) == .latest)
        #expect(UTCTime(bootTime: 1_764_140_000, ticks: .max, ticksPerSecond: 1) == .latest)
        #expect(UTCTime(bootTime: 1_764_140_000, ticks: 5100, ticksPerSecond: 100).millisecondsSinceEpoch == 1_764_140_051_000)
        #expect(UTCTime.latest.description == "9999-12-31T23:59:59.999Z")
    }

    @Test func fifoAsCmdlineIsNotReadAndDoesNotBlock() throws {
        let tree = try Tree()
        try tree.copyProcess(as: "300", pid: 300)
        try tree.replace("300/cmdline") { path in #expect(mkfifo(path, 0o644) == 0) }
        let snapshot = try tree.sample()
        let process = try #require(snapshot.process(300))
        #expect(process.arguments == nil)
        #expect(process.unavailable.values.contains { $0.description.contains("not a regular file") }, "\(process.unavailable)")
        #expect(snapshot.process(100)?.arguments == ["-bash"])
    }

    @Test func environLinkedToDevZeroIsNotRead() throws {
        let tree = try Tree()
        try tree.copyProcess(as: "400", pid: 400)
        try tree.replace("400/environ") { path in try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero") }
        let process = try #require(try tree.sample().process(400))
        #expect(process.environment == nil)
        #expect(process.unavailable.values.contains { $0.description.contains("not a regular file") }, "\(process.unavailable)")
    }

    @Test func hugeRegularEnvironIsBounded() throws {
        let tree = try Tree()
        try tree.copyProcess(as: "500", pid: 500)
        try tree.replace("500/environ") { path in
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            #expect(truncate(path, off_t(Syscalls.procFileLimit + 1)) == 0)  // sparse: no disk used
        }
        let process = try #require(try tree.sample().process(500))
        #expect(process.environment == nil)
        #expect(process.unavailable.values.contains { $0.description.contains("over 16 MiB") }, "\(process.unavailable)")
    }

    @Test func leadingZeroDirectoryIsNotASecondProcess() throws {
        let tree = try Tree()
        try tree.copyProcess(as: "00100", pid: 100)
        let snapshot = try tree.sample()
        #expect(snapshot.processes.map(\.pid) == [100])
        #expect(try Syscalls.listPIDs(tree.root) == [100])
    }
}
