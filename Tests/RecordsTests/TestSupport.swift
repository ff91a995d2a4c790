import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp for one test, removed by `remove()` (call it in `defer`).
struct TestDirectory {
    let path: String

    init(_ prefix: String = "isotrace-records") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// Files of the repository, found from this source file (Tests/RecordsTests/...).
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let vectors = root + "/Tests/RecordsTests/Vectors"
    /// A /proc copy with a pilot and a leaky payload: `audit --proc-root` on it is deterministic.
    static let fixtureProcRoot = root + "/Tests/ProcFSTests/Fixtures/pilot3-generic/proc"
    static let verifyScript = root + "/tools/verify_records.py"
}

/// What the machine offers; tests that need more are skipped with the reason.
enum Requirements {
    static let isRoot = geteuid() == 0
    static let openssl = executable(named: "openssl")

    /// An executable on PATH.
    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// The isotrace binary built next to this test bundle (the test target depends on it).
    static let isotrace: String? = {
        var directories: [URL] = []
        if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: own).deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent())
        return directories.map { $0.appendingPathComponent("isotrace").path }.first { access($0, X_OK) == 0 }
    }()

    /// A python3 that imports cryptography and rfc8785: $ISOTRACE_PYTHON, else python3 on PATH.
    static let python: (path: String?, reason: String) = {
        let candidate = ProcessInfo.processInfo.environment["ISOTRACE_PYTHON"] ?? executable(named: "python3")
        guard let candidate else { return (nil, "python3 not found (set ISOTRACE_PYTHON)") }
        guard let result = try? Command.run([candidate, "-c", "import cryptography, rfc8785"]), result.status == 0 else {
            return (nil, "\(candidate) cannot import cryptography and rfc8785 (pip install cryptography rfc8785, or set ISOTRACE_PYTHON)")
        }
        return (candidate, "")
    }()
}

/// The result of a command run to completion.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\nstdout: \(stdout.prefix(3000))\nstderr: \(stderr.prefix(3000))" }
}

/// A child process started by a test; `kill()` sends SIGKILL to its PID only.
final class Child {
    let process = Process()
    private let output: TestDirectory

    init(_ arguments: [String]) throws {
        output = try TestDirectory("isotrace-child")
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        _ = FileManager.default.createFile(atPath: output.file("stdout"), contents: nil)
        _ = FileManager.default.createFile(atPath: output.file("stderr"), contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output.file("stdout")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output.file("stderr")))
        try process.run()
    }

    deinit {
        if process.isRunning { kill() }
        output.remove()
    }

    var pid: pid_t { process.processIdentifier }

    func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits for the exit; the status is the exit code, or 128 + signal.
    func wait() -> CommandResult {
        process.waitUntilExit()
        let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        return CommandResult(status: status,
                             stdout: (try? String(contentsOfFile: output.file("stdout"), encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: output.file("stderr"), encoding: .utf8)) ?? "")
    }
}

enum Command {
    static func run(_ arguments: [String]) throws -> CommandResult {
        try Child(arguments).wait()
    }
}

/// Runs the isotrace binary as a user would.
enum Isotrace {
    static func path() throws -> String {
        try #require(Requirements.isotrace, "isotrace binary not found next to \(CommandLine.arguments[0])")
    }

    static func run(_ arguments: String...) throws -> CommandResult {
        try Command.run([try path()] + arguments)
    }

    static func start(_ arguments: String...) throws -> Child {
        try Child([try path()] + arguments)
    }

    /// `audit --record` on the fixture /proc copy: exit 1 (its payload is not isolated) when recorded.
    static func auditRecordArguments(out: String, key: String? = nil) throws -> [String] {
        [try path(), "audit", "--record", "--out", out, "--proc-root", Repository.fixtureProcRoot, "--format", "json"]
            + (key.map { ["--key", $0] } ?? [])
    }
}

/// The lines of every segment in a records directory, in chain order (complete lines only).
func chainLines(_ outputDirectory: String) throws -> [String] {
    let directory = outputDirectory + "/records"
    guard FileManager.default.fileExists(atPath: directory) else { return [] }
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.sorted()
    return try names.flatMap { name -> [String] in
        let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        lines.removeLast()  // after the last newline: empty, or a partial line
        return lines
    }
}
