import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A real child process owned by one test. It leads a new process group, so `stop()` kills it
/// and everything it forked (unshare's namespace child, a shell's sleep) by that group, then reaps
/// them all. The test process is a child subreaper, so orphaned grandchildren come back to it and
/// are reaped here too, not left as zombies. stdout/stderr go to files in a temp dir, removed on stop.
final class ChildProcess {
    let pid: pid_t
    let command: [String]
    private let outputDirectory: URL
    private var exitStatus: Int32?
    private var stopped = false

    /// Starts `arguments[0]` (an absolute path) with `arguments[1...]`; `environment` nil inherits ours.
    init(_ arguments: [String], environment: [String: String]? = nil) throws {
        ChildProcess.becomeSubreaper
        command = arguments
        outputDirectory = try TempDirectory.make(prefix: "isotrace-live-child")
        do {
            pid = try Spawn.start(arguments, environment: environment, newProcessGroup: true,
                                  stdout: outputDirectory.appendingPathComponent("stdout").path,
                                  stderr: outputDirectory.appendingPathComponent("stderr").path)
        } catch {
            try? FileManager.default.removeItem(at: outputDirectory)
            throw error
        }
    }

    deinit { stop() }

    /// Exits are collected without blocking: nil while the process runs, its wait status once it ended.
    var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus != nil
    }

    /// The exit code once it exited (128 + signal when killed), nil while it runs.
    var exitCode: Int32? {
        guard hasExited, let status = exitStatus else { return nil }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    var stderrText: String {
        (try? String(contentsOf: outputDirectory.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
    }

    /// Kills the whole process group with SIGKILL and reaps every member that is our child,
    /// including orphans re-parented to us. Idempotent; runs from `defer` and `deinit`.
    func stop() {
        guard !stopped else { return }
        stopped = true
        var status: Int32 = 0
        // Signal the group only while it surely is ours: the leader is not reaped yet, or a live
        // member still is our child (a member keeps the group's id from being reused).
        var groupIsOurs = exitStatus == nil
        while !groupIsOurs {
            let reaped = waitpid(-pid, &status, WNOHANG)
            if reaped > 0 || (reaped < 0 && errno == EINTR) { continue }
            groupIsOurs = reaped == 0
            if reaped < 0 { break }  // ECHILD: the group is gone
        }
        if groupIsOurs { _ = kill(-pid, SIGKILL) }
        while true {
            let reaped = waitpid(-pid, &status, 0)
            if reaped > 0 { continue }
            if reaped < 0 && errno == EINTR { continue }
            break  // ECHILD: nothing of this group is left
        }
        try? FileManager.default.removeItem(at: outputDirectory)
    }

    /// Polls (10 ms steps, up to `attempts`) until `condition` holds or the child exited.
    /// Returns the value found; nil when the child exited first or it never held.
    func waitFor<T>(attempts: Int = 2000, _ condition: () -> T?) -> T? {
        for _ in 0..<attempts {
            if let value = condition() { return value }
            if hasExited { return condition() }
            usleep(10_000)
        }
        return nil
    }

    /// Orphans of our children are re-parented to us, so `stop()` can reap them by group.
    /// prctl(2) is variadic in C and not imported into Swift: called through dlsym.
    private static let becomeSubreaper: Void = {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        let PR_SET_CHILD_SUBREAPER: Int32 = 36
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
        _ = unsafeBitCast(symbol, to: Prctl.self)(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    }()
}

/// The result of a command run to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))" }
}

enum Command {
    /// Runs a command to completion, stdout and stderr captured through temp files.
    /// `status` is the exit code, or 128 + signal when it was killed.
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let directory = try TempDirectory.make(prefix: "isotrace-live-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("stdout"), err = directory.appendingPathComponent("stderr")
        let pid = try Spawn.start(arguments, environment: environment, newProcessGroup: false, stdout: out.path, stderr: err.path)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SpawnError(message: "waitpid(\(pid)) failed: errno \(errno)") }
        }
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return CommandResult(
            status: code,
            stdout: String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self))
    }
}

struct SpawnError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

enum TempDirectory {
    static func make(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }
}

/// posix_spawn with stdin from /dev/null, stdout/stderr to files, default signal handling and an
/// empty signal mask (the test runner's threads may block signals; children must not inherit that).
enum Spawn {
    static func start(_ arguments: [String], environment: [String: String]?, newProcessGroup: Bool,
                      stdout: String, stderr: String) throws -> pid_t {
        precondition(arguments.first?.hasPrefix("/") == true, "spawn needs an absolute path")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup { flags |= Int32(POSIX_SPAWN_SETPGROUP) }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)

        let environmentStrings = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environmentStrings.map { $0.map { strdup($0) } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            if let envp {
                return envp.withUnsafeBufferPointer { envBuffer in
                    posix_spawn(&pid, arguments[0], &actions, &attributes, argvBuffer.baseAddress!, envBuffer.baseAddress!)
                }
            }
            return posix_spawn(&pid, arguments[0], &actions, &attributes, argvBuffer.baseAddress!, environ)
        }
        guard result == 0 else {
            throw SpawnError(message: "posix_spawn \(arguments.joined(separator: " ")): \(String(cString: strerror(result)))")
        }
        return pid
    }
}
