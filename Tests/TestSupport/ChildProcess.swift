import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real child process owned by one test, stdout and stderr in files of a temp dir removed on
/// `stop()`.
///
/// With `ownGroup` (the default) it leads a new process group, so `stop()` kills it and
/// everything it forked (unshare's namespace child, a shell's sleep, Chromium's helpers) by that
/// group, then reaps them all; the test process is then a child subreaper, so orphaned
/// grandchildren come back to it and are reaped here too, not left as zombies. Without it, the
/// child stays in the test's group and `stop()` kills its PID only (what it leaves running, such
/// as a postmaster started by pg_ctl, stays).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let command: [String]
    public let ownsGroup: Bool
    private let output: TestDirectory
    private var exitStatus: Int32?
    private var stopped = false

    /// Starts `arguments[0]` (an absolute path) with `arguments[1...]`; `environment` nil inherits
    /// ours, `directory` nil keeps our working directory.
    public init(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil, ownGroup: Bool = true) throws {
        if ownGroup { ChildProcess.becomeSubreaper }
        command = arguments
        ownsGroup = ownGroup
        output = try TestDirectory("isotrace-child")
        do {
            pid = try Spawn.start(arguments, environment: environment, directory: directory, newProcessGroup: ownGroup,
                                  stdout: output.file("stdout"), stderr: output.file("stderr"))
        } catch {
            output.remove()
            throw error
        }
    }

    deinit { stop() }

    /// Exits are collected without blocking: false while the process runs.
    public var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus != nil
    }

    /// The exit code once it exited (128 + signal when killed), nil while it runs.
    public var exitCode: Int32? {
        guard hasExited, let status = exitStatus else { return nil }
        return Spawn.exitCode(status)
    }

    public var stdoutText: String { (try? String(contentsOfFile: output.file("stdout"), encoding: .utf8)) ?? "" }
    public var stderrText: String { (try? String(contentsOfFile: output.file("stderr"), encoding: .utf8)) ?? "" }

    /// Sends `signal` to this child's PID only, while it is not reaped (so the PID is surely ours).
    public func signal(_ signal: Int32) {
        if exitStatus == nil { _ = kill(pid, signal) }
    }

    /// Waits for the exit and returns the status and output, then stops what is left (see `stop()`).
    /// A child still running after `ChildProcess.waitLimit` seconds is killed (its group with
    /// `ownGroup`, else its PID) and the result says it timed out: a hung command fails its test
    /// instead of hanging the whole run.
    public func wait() -> CommandResult {
        wait(timeout: ChildProcess.waitLimit)
    }

    /// As `wait()`, but after `timeout` seconds the child is killed: its process group with
    /// `ownGroup`, its PID otherwise.
    public func wait(timeout: Int) -> CommandResult {
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        var timedOut = false
        var pause: useconds_t = 1_000
        while !hasExited {
            if !timedOut, Date() > deadline {
                timedOut = true
                // Not reaped yet, so the PID (and the group it leads) is surely ours.
                _ = kill(ownsGroup ? -pid : pid, SIGKILL)
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        return finish(timedOut: timedOut)
    }

    /// The longest any test waits for a command it runs to completion (10 minutes).
    public static let waitLimit = 600

    private func finish(timedOut: Bool) -> CommandResult {
        let result = CommandResult(status: exitStatus.map(Spawn.exitCode) ?? -1, stdout: stdoutText, stderr: stderrText, timedOut: timedOut)
        stop()
        return result
    }

    /// Kills the child (its whole group with `ownGroup`) with SIGKILL and reaps every member that
    /// is our child, including orphans re-parented to us. Idempotent; runs from `defer` and `deinit`.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        defer { output.remove() }
        var status: Int32 = 0
        guard ownsGroup else {
            if exitStatus == nil {
                _ = kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                exitStatus = status
            }
            return
        }
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
            if reaped == pid && exitStatus == nil { exitStatus = status }
            if reaped > 0 { continue }
            if reaped < 0 && errno == EINTR { continue }
            break  // ECHILD: nothing of this group is left
        }
    }

    /// Polls (10 ms steps, up to `attempts`) until `condition` holds or the child exited.
    /// Returns the value found; nil when the child exited first or it never held.
    public func waitFor<T>(attempts: Int = 2000, _ condition: () -> T?) -> T? {
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
