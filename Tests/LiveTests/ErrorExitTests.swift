import Foundation
import TestSupport
import Testing

extension Live {
    /// Operational and usage errors exit 2 with a message naming the cause, and print no result.
    @Suite struct ErrorExitTests {
        @Test("--proc-root that does not exist: exit 2, path named, nothing on stdout")
        func missingProcRoot() throws {
            let result = try IsotraceBinary.run("snapshot", "--proc-root", "/nonexistent")
            #expect(result.status == 2, "\(result.description)")
            #expect(result.stderr.contains("/nonexistent"), "\(result.description)")
            #expect(result.stdout == "")
        }

        @Test("--proc-root that is a regular file: exit 2, path named, nothing on stdout")
        func fileAsProcRoot() throws {
            let directory = try TestDirectory("isotrace-live-error").url
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("not-proc").path
            try #require(FileManager.default.createFile(atPath: file, contents: Data("hello\n".utf8)))
            for format in ["json", "table"] {
                let result = try IsotraceBinary.run("snapshot", "--format", format, "--proc-root", file)
                #expect(result.status == 2, "\(result.description)")
                #expect(result.stderr.contains(file), "\(result.description)")
                #expect(result.stdout == "")
            }
        }

        @Test("--proc-root that is an empty directory: exit 2 with a message, nothing on stdout")
        func emptyProcRoot() throws {
            let directory = try TestDirectory("isotrace-live-error").url
            defer { try? FileManager.default.removeItem(at: directory) }
            let result = try IsotraceBinary.run("snapshot", "--format", "json", "--proc-root", directory.path)
            #expect(result.status == 2, "\(result.description)")
            #expect(result.stderr.contains(directory.path), "\(result.description)")
            #expect(result.stdout == "")
        }

        @Test("unknown option: usage error exits 2, not 64")
        func unknownOption() throws {
            for arguments in [["snapshot", "--no-such-option"], ["--no-such-option"], ["snapshot", "--format", "xml"]] {
                let result = try IsotraceBinary.run(arguments)
                #expect(result.status == 2, "\(arguments): \(result.description)")
                #expect(result.stderr.isEmpty == false, "\(arguments): usage error without a message")
                #expect(result.stdout == "")
            }
        }

        @Test("--pid of a process that does not exist: exit 2, 'no such process' and the pid")
        func missingPID() throws {
            let pidMax = Int(ProcFacts.text("/proc/sys/kernel/pid_max")?.trimmingCharacters(in: .newlines) ?? "") ?? 32768
            let pid = try #require((1..<pidMax).reversed().first { !FileManager.default.fileExists(atPath: "/proc/\($0)") })
            let result = try IsotraceBinary.run("snapshot", "--format", "json", "--pid", String(pid))
            #expect(result.status == 2, "\(result.description)")
            #expect(result.stderr.contains("no such process"), "\(result.description)")
            #expect(result.stderr.contains(String(pid)), "\(result.description)")
        }
    }
}
