import Foundation

// TEMPORARY until the options branch (TestSupport's IsotraceBinary) is merged.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status)\nstdout: \(stdout.prefix(3000))\nstderr: \(stderr.prefix(3000))" }
}

enum IsotraceBinary {
    static func run(_ arguments: [String]) throws -> CommandResult {
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var binary = ""
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(".build/debug/isotrace").path
            if FileManager.default.isExecutableFile(atPath: candidate) { binary = candidate; break }
            directory.deleteLastPathComponent()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        let err = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                             stderr: try String(contentsOf: err, encoding: .utf8))
    }
}
