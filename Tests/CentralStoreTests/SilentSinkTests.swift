import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A central database that takes the TCP connection and never answers (a hung server, a
/// firewall that passes the handshake): the daemon ships on a thread of its own, so its cycles
/// go on recording meanwhile, and it still stops cleanly.
@Suite("Daemon with a sink that never answers", .serialized,
       .enabled(if: Executables.isotrace != nil, "the isotrace binary was not built next to the tests"))
struct SilentSinkTests {
    init() {
        if Executables.isotrace == nil { print("SilentSinkTests skipped: the isotrace binary was not built next to the tests") }
    }

    @Test("cycles go on every 300 ms while each shipment waits seconds for a silent server")
    func silentSinkHoldsUpNoCycle() throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let directory = try TestDirectory("isotrace-silent-sink", mode: 0o700)
        defer { directory.remove() }
        let out = directory.path + "/out"
        let passwordFile = directory.path + "/password"
        FileManager.default.createFile(atPath: passwordFile, contents: Data("never-sent-anywhere\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(try IsotraceBinary.run(["keygen", "--out", out]).status == 0)
        // connect_timeout=3: each attempt waits about 3 s for the server before it gives up.
        let sink = "postgres://node@127.0.0.1:\(listener.port)/isotrace?connect_timeout=3"
        let daemon = try Command.start([try IsotraceBinary.path(), "daemon", "--interval", "300ms", "--heartbeat-every", "1", "--out", out,
                                        "--proc-root", Repository.pilot3ProcRoot, "--policy", Repository.policy,
                                        "--sink", sink, "--password-file", passwordFile] + (geteuid() == 0 ? [] : ["--no-confine"]))
        var stopped = false
        defer { if !stopped { daemon.signal(SIGKILL); _ = daemon.wait() } }
        func local() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: out + "/records")) ?? []).filter { $0.hasSuffix(".jsonl") }
                .reduce(0) { $0 + ((try? String(contentsOfFile: out + "/records/" + $1, encoding: .utf8))?.split(separator: "\n").count ?? 0) }
        }
        // The first cycle's records, then eight more heartbeats: 2.4 s of cycles, while each
        // shipment waits about 3 s (a daemon that waited for them made 2 records in 5 s).
        for _ in 0..<100 where local() < 3 { usleep(100_000) }
        let first = local()
        let started = Date()
        for _ in 0..<50 where local() < first + 8 { usleep(100_000) }
        let grown = local() - first
        let seconds = Date().timeIntervalSince(started)
        #expect(grown >= 8, "\(grown) record(s) in \(seconds) s after the first cycle: the cycles waited for the sink")
        #expect(listener.connectionsWaiting() >= 1, "the daemon connected to the silent server")
        daemon.signal(SIGTERM)
        let result = daemon.wait()
        stopped = true
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("records stay in"), "\(result)")
        #expect(!result.stderr.contains("never-sent-anywhere"))
        let verified = try IsotraceBinary.run(["verify", "--out", out])
        #expect(verified.status == 0, "\(verified)")
    }
}

/// A TCP socket on 127.0.0.1 that listens and never accepts or answers: the kernel completes
/// the handshake, so a client connects and then waits.
struct SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SpawnError(message: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SpawnError(message: "listen on 127.0.0.1:0: \(reason)")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a connection is waiting to be accepted (poll for readability of the listener).
    func connectionsWaiting() -> Int {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLIN) != 0 ? 1 : 0
    }

    func close() { Glibc.close(fd) }
}
