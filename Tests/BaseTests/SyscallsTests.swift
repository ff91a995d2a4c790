import Glibc
import SystemPackage
import TestSupport
import Testing
@testable import Base

/// The system-call layer on real files in a fresh temporary directory: whole writes, the pread
/// loops, the line reader, and errors that name the call, the path and (when given) PID and line.
@Suite struct SyscallsTests {
    let scratch: TestDirectory
    var directory: String { scratch.path }

    init() throws {
        scratch = try TestDirectory("isotrace-base")
    }

    func removeDirectory() { scratch.remove() }

    @Test func writeAllThenReadRangeAndLines() throws {
        defer { removeDirectory() }
        let path = directory + "/lines"
        let fd = try Syscalls.openFile(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o640)
        try Syscalls.writeAll(fd, Array("one\ntwo\nthree".utf8), path: path)
        try Syscalls.sync(fd, path: path)
        Syscalls.closeFile(fd)

        #expect(try Syscalls.readRange(path, from: 4) == Array("two\nthree".utf8))
        #expect(try Syscalls.readRange(path, from: 4, length: 3) == Array("two".utf8))
        #expect(try Syscalls.readRange(path, from: 100) == [])

        var reader = try LineReader(path: path)
        defer { reader.close() }
        var lines: [(Int, String, Bool)] = []
        while let line = try reader.next() { lines.append((line.number, String(decoding: line.bytes, as: UTF8.self), line.terminated)) }
        #expect(lines.map(\.0) == [1, 2, 3])
        #expect(lines.map(\.1) == ["one", "two", "three"])
        #expect(lines.map(\.2) == [true, true, false])
    }

    @Test func errorsNameTheCallAndPath() throws {
        defer { removeDirectory() }
        let missing = directory + "/missing"
        let error = try #require(throws: SystemCallError.self) { try Syscalls.readRange(missing, from: 0) }
        #expect(error.operation == "open")
        #expect(error.path == missing)
        #expect(error.isNotFound)
        #expect(error.description == "\(missing): open failed: No such file or directory")
        #expect(error.about(pid: 42).at(line: 7).description == "\(missing):7: pid 42: open failed: No such file or directory")
        #expect(try Syscalls.openExisting(missing, O_RDONLY) == nil)
    }

    @Test func replaceDurablyLeavesOnlyTheNewContent() throws {
        defer { removeDirectory() }
        let path = directory + "/cursor"
        try Syscalls.replaceDurably(path, with: Array("old\n".utf8), directory: directory)
        try Syscalls.replaceDurably(path, with: Array("new\n".utf8), directory: directory)
        #expect(try Syscalls.readRange(path, from: 0) == Array("new\n".utf8))
        #expect(try Syscalls.listDirectory(directory) == ["cursor"])
        #expect(try Syscalls.status(of: path).mode == 0o640)
    }
}
