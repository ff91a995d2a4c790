import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The result of a command run to completion.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\nstdout: \(stdout.prefix(3000))\nstderr: \(stderr.prefix(3000))" }
}

/// Runs commands with output to temporary files (no pipe to fill up).
enum Command {
    static func run(_ arguments: [String], directory: String? = nil) throws -> CommandResult {
        try start(arguments, directory: directory).wait()
    }

    static func start(_ arguments: [String], directory: String? = nil) throws -> RunningCommand {
        try RunningCommand(arguments, directory: directory)
    }
}

/// A started command; `wait()` collects its exit status and output and removes the output files.
final class RunningCommand: @unchecked Sendable {
    let process = Process()
    private let outputBase: String

    init(_ arguments: [String], directory: String?) throws {
        outputBase = "/tmp/isotrace-cmd-\(getpid())-\(UUID().uuidString.prefix(8))"
        FileManager.default.createFile(atPath: outputBase + ".out", contents: nil)
        FileManager.default.createFile(atPath: outputBase + ".err", contents: nil)
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputBase + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: outputBase + ".err"))
        process.standardInput = FileHandle.nullDevice
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        try process.run()
    }

    func wait() -> CommandResult {
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: outputBase + ".out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: outputBase + ".err", encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outputBase + ".out")
        try? FileManager.default.removeItem(atPath: outputBase + ".err")
        return CommandResult(status: process.terminationStatus, stdout: out, stderr: err)
    }

    /// Sends `signal` to this command's PID only.
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }
}
