import Base
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Live {
    /// Issue 21, finding 5: code running inside the confined daemon (an LD_PRELOAD object built
    /// here from Tests/LiveTests/EscapeProbe/escape_probe.c with the system compiler) tries each
    /// escape: writing a root process's memory, reading another uid's, prlimit on a root process,
    /// connecting to a root-only unix socket, creating a file under /etc, AF_INET, execve, and a
    /// few more. The daemon runs as a system user made for the test (never `isotrace` itself:
    /// other tests' daemons would switch to it), which is removed at the end.
    @Suite(.enabled(if: LiveRequirements.isRoot, "needs root: the daemon switches users and reads every process"),
           .enabled(if: Executables.isExecutable("/usr/bin/cc"), "needs the system C compiler (cc) for the LD_PRELOAD object"),
           .enabled(if: Executables.isExecutable("/usr/sbin/useradd") && Executables.isExecutable("/usr/sbin/userdel"),
                    "needs useradd and userdel for the daemon's test user"),
           .enabled(if: LiveRequirements.hasSetpriv, "needs setpriv for a process of another uid"),
           .simulateTools)
    struct EscapeProbeLiveTests {
        /// What the probe may still do, and why: both follow from the two capabilities the /proc
        /// reads need (README, "Threat model"). Everything else must be refused.
        static let remaining: [String: String] = [
            "read_other_uid_mem": "CAP_SYS_PTRACE passes the ptrace check of /proc/PID/mem, CAP_DAC_READ_SEARCH its mode",
            "read_etc_shadow": "CAP_DAC_READ_SEARCH bypasses read permission on every file",
        ]
        static let refused = ["write_root_mem", "process_vm_readv_other", "prlimit_root_cpu", "kill_root", "ptrace_attach_root",
                              "connect_root_socket", "create_etc_file", "setuid_root", "socket_inet", "execve"]
        /// Refused by the filter itself (EPERM), whatever the kernel would have said.
        static let filtered = ["ioctl_tiocsti", "ioctl_tiocsti_high_bits"]

        @Test("LD_PRELOAD code inside the confined daemon: every escape of finding 5 is refused; what remains is what the kept capabilities imply")
        func escapesRefused() throws {
            let user = try TestUser()
            defer { user.remove() }
            let scratch = try TestDirectory("isotrace-escape")
            defer { scratch.remove() }
            chmod(scratch.path, 0o755)
            let probe = scratch.file("escape_probe.so")
            let compile = try Command.run(["/usr/bin/cc", "-Wall", "-shared", "-fPIC", "-o", probe, Self.source, "-ldl"])
            try #require(compile.status == 0, "\(compile.description)")

            let rootProcess = try ChildProcess(["/bin/sleep", "120"])
            defer { rootProcess.stop() }
            let otherProcess = try ChildProcess(["/usr/bin/setpriv", "--reuid", "64935", "--regid", "64935", "--clear-groups", "/bin/sleep", "120"])
            defer { otherProcess.stop() }
            _ = otherProcess.waitFor { (try? String(contentsOfFile: "/proc/\(otherProcess.pid)/status", encoding: .utf8))?.contains("Uid:\t64935") == true ? true : nil }
            let socket = try RootOnlySocket(path: scratch.file("root-only.sock"))
            defer { socket.close() }
            let etcFile = "/etc/isotrace-escape-\(getpid())-\(UUID().uuidString.prefix(8))"
            defer {
                #expect(!FileManager.default.fileExists(atPath: etcFile), "the probe created \(etcFile)")
                try? FileManager.default.removeItem(atPath: etcFile)
            }

            let run = try DaemonRun()
            defer { run.remove() }
            try user.own(run.directory)
            var environment = ProcessInfo.processInfo.environment
            environment["LD_PRELOAD"] = probe
            environment["ISOTRACE_ESCAPE_ROOT_PID"] = String(rootProcess.pid)
            environment["ISOTRACE_ESCAPE_OTHER_PID"] = String(otherProcess.pid)
            environment["ISOTRACE_ESCAPE_SOCKET"] = socket.path
            environment["ISOTRACE_ESCAPE_ETC_FILE"] = etcFile
            let daemon = try ChildProcess([try IsotraceBinary.path(), "daemon", "--interval", "1s", "--out", run.directory, "--policy", run.policy,
                                           "--heartbeat-every", "1", "--user", user.name], environment: environment)
            defer { daemon.stop() }
            let done = daemon.waitFor(attempts: 6000) { daemon.stderrText.contains("escape-probe: done=ok") ? true : (daemon.hasExited ? false : nil) }
            try #require(done == true, "the probe did not run inside the confined daemon: \(daemon.stderrText)")

            var outcomes: [String: String] = [:]
            for line in daemon.stderrText.split(separator: "\n") where line.hasPrefix("escape-probe: ") {
                let parts = line.dropFirst("escape-probe: ".count).split(separator: "=", maxSplits: 1)
                if parts.count == 2 { outcomes[String(parts[0])] = String(parts[1]) }
            }
            print("escape probe inside the daemon (user \(user.name)):")
            for (name, outcome) in outcomes.sorted(by: { $0.key < $1.key }) where name != "done" {
                print("  \(name)=\(outcome)\(Self.remaining[name].map { " (remains: \($0))" } ?? "")")
            }
            for name in Self.refused {
                #expect(outcomes[name] != nil && outcomes[name] != "ok", "\(name) was not refused: \(outcomes[name] ?? "not tried")")
            }
            for name in Self.filtered {
                #expect(outcomes[name] == "EPERM", "\(name): \(outcomes[name] ?? "not tried"), not refused by the filter")
            }
            // The two remaining reads exist only because the daemon holds both capabilities.
            let status = try String(contentsOfFile: "/proc/\(daemon.pid)/status", encoding: .utf8)
            let effective = status.split(separator: "\n").first { $0.hasPrefix("CapEff:") }.map { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) ?? 0 } ?? 0
            #expect(effective == Capability.mask([.dacReadSearch, .sysPtrace]), "CapEff \(Capability.hex(effective))")
            #expect(status.contains("\nUid:\t\(user.uid)\t\(user.uid)\t\(user.uid)\t\(user.uid)\n"), "the daemon is not \(user.name): \(status)")
            for name in Self.remaining.keys { #expect(outcomes[name] != nil, "\(name) not tried") }

            // The heartbeat says how the daemon is confined, Landlock included.
            let confinement = run.waitForRecords(daemon) { records in
                records.last { ($0["heartbeat"] as? [String: Any])?["confinement"] is [String: Any] }
                    .flatMap { ($0["heartbeat"] as? [String: Any])?["confinement"] as? [String: Any] }
            }
            #expect(confinement?["user"] as? String == user.name && confinement?["uid"] as? Int == Int(user.uid), "\(String(describing: confinement))")
            #expect(confinement?["cap_eff"] as? String == "0000000000080004", "\(String(describing: confinement))")
            let landlock = confinement?["landlock"] as? [String: Any]
            #expect(landlock?["applied"] as? Bool == false && (landlock?["reason"] as? String)?.isEmpty == false, "\(String(describing: landlock))")
            #expect(daemon.stderrText.contains("landlock: "), "the start log does not say what became of Landlock")

            kill(daemon.pid, SIGTERM)
            #expect(daemon.waitFor(attempts: 6000) { daemon.exitCode } == 0, "\(daemon.stderrText)")

            // A state directory the user cannot write is refused at start, naming the chown.
            let rootOwned = try DaemonRun()
            defer { rootOwned.remove() }
            let refused = try Command.run([try IsotraceBinary.path(), "daemon", "--interval", "1s", "--out", rootOwned.directory,
                                           "--policy", rootOwned.policy, "--user", user.name])
            #expect(refused.status == 2 && refused.stderr.contains("chown -R \(user.name): \(rootOwned.directory)"), "\(refused.description)")
        }

        @Test("--user naming a missing user: the daemon refuses to start (exit 2) and says who creates it")
        func missingUserRefused() throws {
            let run = try DaemonRun()
            defer { run.remove() }
            let result = try Command.run([try IsotraceBinary.path(), "daemon", "--interval", "1s", "--out", run.directory, "--policy", run.policy,
                                          "--user", "isotrace-missing-\(getpid())"])
            #expect(result.status == 2 && result.stderr.contains("does not exist") && result.stderr.contains("make install"), "\(result.description)")
        }

        static var source: String { Repository.path("Tests/LiveTests/EscapeProbe/escape_probe.c") }
    }
}

/// A system user made for one test (useradd --system, no home, no login shell), removed with
/// its group by `remove`.
final class TestUser {
    let name: String
    let uid: uid_t
    let gid: gid_t
    private var removed = false

    init() throws {
        name = "isotrace-test-\(getpid())-\(Int.random(in: 1000...9999))"
        let add = try Command.run(["/usr/sbin/useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                                   "--shell", "/usr/sbin/nologin", name])
        try #require(add.status == 0, "\(add.description)")
        guard let account = try Syscalls.userAccount(named: name) else {
            _ = try? Command.run(["/usr/sbin/userdel", name])
            throw TestUserError(message: "useradd made no \(name)")
        }
        uid = account.uid
        gid = account.gid
    }

    /// chown -R to this user.
    func own(_ path: String) throws {
        let result = try Command.run(["/bin/chown", "-R", "\(name):\(name)", path])
        try #require(result.status == 0, "\(result.description)")
    }

    func remove() {
        guard !removed else { return }
        removed = true
        _ = try? Command.run(["/usr/sbin/userdel", name])
    }

    deinit { remove() }
}

struct TestUserError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A unix datagram socket bound by root with mode 0600: only root may connect to it.
final class RootOnlySocket {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestUserError(message: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, 0o600) == 0 else {
            Glibc.close(fd)
            throw TestUserError(message: "bind/chmod \(path): errno \(errno)")
        }
    }

    func close() {
        Glibc.close(fd)
        unlink(path)
    }
}
