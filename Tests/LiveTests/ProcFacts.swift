import Foundation
import ProcFS
import TestSupport
import Testing

/// The expected values, read the way an administrator would: `readlink`, `/proc/<pid>/status`
/// lines, `task/<tid>/children`. Independent of ProcFS's readers.
enum ProcFacts {
    static func text(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func comm(_ pid: Int32) -> String? {
        text("/proc/\(pid)/comm")?.trimmingCharacters(in: .newlines)
    }

    /// PIDs of a process's children (main thread's children list, kernel 3.5+ with CONFIG_PROC_CHILDREN).
    static func children(of pid: Int32) -> [Int32] {
        (text("/proc/\(pid)/task/\(pid)/children") ?? "").split(separator: " ").compactMap { Int32($0) }
    }

    /// The `Key:` lines of /proc/<pid>/status, value trimmed.
    static func status(_ pid: Int32) throws -> [String: String] {
        let content = try #require(text("/proc/\(pid)/status"), "cannot read /proc/\(pid)/status")
        var lines: [String: String] = [:]
        for line in content.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            lines[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return lines
    }

    /// Whitespace-separated numbers of one status line (`Uid:`, `Groups:`, `NSpid:`).
    static func numbers(_ status: [String: String], _ key: String) throws -> [Int64] {
        let line = try #require(status[key], "no \(key): line in status")
        return try line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { try #require(Int64($0), "\(key): \(line)") }
    }

    /// Field 22 (start time in ticks) of /proc/<pid>/stat, after the last ')'.
    static func startTicks(_ pid: Int32) throws -> UInt64 {
        let stat = try #require(text("/proc/\(pid)/stat"))
        let close = try #require(stat.lastIndex(of: ")"))
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return try #require(UInt64(fields[19]), "stat field 22 of \(pid): \(stat)")
    }

    /// All 9 namespace inodes of a process as `readlink /proc/<pid>/ns/<kind>` prints them.
    static func namespaces(_ pid: Int32) throws -> [NamespaceKind: UInt64] {
        let kinds = NamespaceKind.allCases
        let result = try Command.run(["/usr/bin/readlink"] + kinds.map { "/proc/\(pid)/ns/\($0.rawValue)" })
        #expect(result.status == 0, "readlink: \(result.description)")
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == kinds.count, "readlink printed \(lines.count) lines: \(result.description)")
        var inodes: [NamespaceKind: UInt64] = [:]
        for (kind, line) in zip(kinds, lines) {
            // "pid:[4026531836]"; pid_for_children shows a pid namespace
            let open = try #require(line.firstIndex(of: "["), "\(line)")
            let digits = String(line[line.index(after: open)...].dropLast())
            let inode: UInt64 = try #require(UInt64(digits), "not a namespace link: \(line)")
            inodes[kind] = inode
        }
        return inodes
    }

    /// PIDs listed in /proc now.
    static func pids() throws -> Set<Int> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int($0) })
    }
}

extension ChildProcess {
    /// Starts `unshare <flags> --fork --kill-child /bin/sleep 300` and returns it with the PID of
    /// the forked child once that child runs sleep. When the kernel or our privileges refuse the
    /// namespace (EPERM, EINVAL, ENOSPC), the test is skipped with unshare's own message.
    static func namespaced(_ flags: [String]) throws -> (unshare: ChildProcess, child: Int32) {
        let unshare = try ChildProcess(["/usr/bin/unshare"] + flags + ["--fork", "--kill-child", "/bin/sleep", "300"])
        let child = unshare.waitFor { () -> Int32? in
            ProcFacts.children(of: unshare.pid).first { ProcFacts.comm($0) == "sleep" }
        }
        guard let child else {
            let message = unshare.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            unshare.stop()
            let refused = ["Operation not permitted", "Invalid argument", "No space left on device", "not supported",
                           "Permission denied"]
            if refused.contains(where: message.contains) {
                try Test.cancel("unshare \(flags.joined(separator: " ")) refused here: \(message)")
            }
            throw SpawnError(message: "unshare \(flags.joined(separator: " ")) gave no sleep child: \(message)")
        }
        return (unshare, child)
    }

    /// Starts a command that execs into /bin/sleep (setpriv, env) and waits until it does.
    static func execingSleep(_ arguments: [String], environment: [String: String]? = nil) throws -> ChildProcess {
        let process = try ChildProcess(arguments, environment: environment)
        let ready = process.waitFor { ProcFacts.comm(process.pid) == "sleep" ? true : nil }
        guard ready == true else {
            let message = process.stderrText
            process.stop()
            throw SpawnError(message: "\(arguments.joined(separator: " ")) did not reach sleep: \(message)")
        }
        return process
    }
}
