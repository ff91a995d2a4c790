import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command in its own process group with stdout and stderr captured through temp files;
/// on timeout the whole group (Chromium's helpers too) is killed by its ID and reaped.
enum TestCommand {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
        var description: String { "exit \(status)\(timedOut ? " (timed out, killed)" : "")\nstdout: \(stdout.prefix(1500))\nstderr: \(stderr.prefix(1500))" }
    }

    struct SpawnFailure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String], timeout: Int) throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let out = directory.path + "/stdout", err = directory.path + "/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw SpawnFailure(description: "cannot start \(arguments[0]): errno \(spawned)") }
        var timedOut = false
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        // Wait for the leader's exit without reaping it: while it is a zombie its PID, and so the
        // group ID, cannot be reused, so killing the group reaches only what it started.
        var info = siginfo_t()
        while true {
            info = siginfo_t()
            let waited = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if waited == 0, info._sifields._sigchld.si_pid == pid { break }
            if waited < 0, errno != EINTR { break }
            if Date() > deadline, !timedOut {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            usleep(20_000)
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "", timedOut: timedOut)
    }
}
