import Base
import Agent
import Foundation
import ProcFS
import Records
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// RFC 5424 over a unix datagram socket: against a socket server the test owns (the header
/// parsed strictly), and against a real rsyslogd started on a private socket.
@Suite(.serialized) struct SyslogTests {
    /// A bound unix datagram socket in a temp dir; `receive` waits up to 2 s for a datagram,
    /// `drain` takes what is queued without waiting. It reads only when asked: until then its
    /// queue fills up as a slow syslog daemon's does.
    final class DatagramServer: @unchecked Sendable {
        let directory: URL
        let path: String
        let fd: Int32

        init() throws {
            directory = try TestDirectory("isotrace-agent-syslog").url
            path = directory.appendingPathComponent("log").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            try #require(fd >= 0)
            let bound = Self.withAddress(path) { bind(fd, $0, $1) }
            try #require(bound == 0, "bind \(path): errno \(errno)")
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            try? FileManager.default.removeItem(at: directory)
        }

        static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
        }

        /// Every datagram queued now, without waiting.
        func drain() -> [String] {
            var buffer = [UInt8](repeating: 0, count: 65536)
            var out: [String] = []
            while true {
                let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                guard n > 0 else { return out }
                out.append(String(decoding: buffer[0..<n], as: UTF8.self))
            }
        }

        /// Fills the queue from a socket of the test's own until the kernel refuses more (EAGAIN);
        /// returns how many datagrams it took.
        func fill() throws -> Int {
            let other = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(other) }
            try #require(Self.withAddress(path) { connect(other, $0, $1) } == 0, "connect \(path): errno \(errno)")
            var count = 0
            let junk = [UInt8](repeating: 0x2d, count: 200)
            while junk.withUnsafeBytes({ send(other, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }) > 0 { count += 1 }
            try #require(errno == EAGAIN, "the queue filled up: errno \(errno)")
            return count
        }
    }

    /// The RFC 5424 header fields, parsed strictly (section 6).
    struct Header {
        var priority: Int, version: Int, timestamp: String, hostname: String, appName: String, procID: String, msgID: String
        var structuredData: String, message: String

        init(_ text: String) throws {
            try #require(text.hasPrefix("<"), "no PRI: \(text)")
            let close = try #require(text.firstIndex(of: ">"))
            let pri = String(text[text.index(after: text.startIndex)..<close])
            try #require((1...3).contains(pri.count) && pri.allSatisfy(\.isNumber) && (pri == "0" || !pri.hasPrefix("0")), "PRI \(pri)")
            priority = Int(pri)!
            let fields = text[text.index(after: close)...].split(separator: " ", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 8, "expected VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG: \(text)")
            version = try #require(Int(fields[0]))
            (timestamp, hostname, appName, procID, msgID, structuredData, message) = (fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7])
            for (field, limit) in [(hostname, 255), (appName, 48), (procID, 128), (msgID, 32)] {
                try #require(!field.isEmpty && field.utf8.count <= limit && field.utf8.allSatisfy { (33...126).contains($0) }, "header field \(field)")
            }
            let pattern = Array("0000-00-00T00:00:00.000Z".utf8)
            try #require(timestamp.utf8.count == pattern.count && zip(timestamp.utf8, pattern).allSatisfy { $1 == UInt8(ascii: "0") ? (48...57).contains($0) : $0 == $1 },
                         "timestamp \(timestamp)")
        }
    }

    static func message(_ level: SyslogMessage.Level = .error, msgID: String = "finding") -> SyslogMessage {
        SyslogMessage(level: level, time: UTCTime(millisecondsSinceEpoch: 1_795_000_000_123), hostname: "wn042.example.org",
                      procID: 4242, msgID: msgID, body: .object([JSONMember("event", .string("finding")), JSONMember("rule", .string("ISO-UID")),
                                                                 JSONMember("message", .string("line\nbreak \"quoted\""))]))
    }

    @Test("one datagram per message: PRI authpriv*8+severity, version 1, timestamp, host, isotrace, pid, msgid, one-line JSON")
    func headerIsRFC5424() throws {
        let server = try DatagramServer()
        let sender = SyslogSender(socketPath: server.path)
        try sender.send(Self.message())
        let text = try #require(server.receive(), "nothing arrived")
        let header = try Header(text)
        #expect(header.priority == 10 * 8 + 3)
        #expect(header.version == 1)
        #expect(header.timestamp == "2026-11-18T11:06:40.123Z")
        #expect(header.hostname == "wn042.example.org")
        #expect(header.appName == "isotrace")
        #expect(header.procID == "4242")
        #expect(header.msgID == "finding")
        #expect(header.structuredData == "-")
        #expect(!header.message.contains("\n"), "one line")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(header.message.utf8)) as? [String: String])
        #expect(body == ["event": "finding", "rule": "ISO-UID", "message": "line\nbreak \"quoted\""])
    }

    @Test("a hostname with a space is sent as '-'; the severity follows the finding's")
    func nilValues() throws {
        var message = Self.message(.critical)
        message.hostname = "bad host"
        #expect(try Header(message.formatted()).hostname == "-")
        #expect(try Header(message.formatted()).priority == 82)
        #expect(SyslogMessage.level(forSeverity: "critical") == .critical)
        #expect(SyslogMessage.level(forSeverity: "high") == .error)
        #expect(SyslogMessage.level(forSeverity: "medium") == .warning)
        #expect(SyslogMessage.level(forSeverity: "low") == .notice)
    }

    @Test("no socket: an error to count, no crash; the server coming back is found again")
    func reconnects() throws {
        let directory = try TestDirectory("isotrace-agent-syslog-missing").url
        defer { try? FileManager.default.removeItem(at: directory) }
        let sender = SyslogSender(socketPath: directory.appendingPathComponent("log").path)
        #expect(throws: SystemCallError.self) { try sender.send(Self.message()) }
        let server = try DatagramServer()
        let moving = SyslogSender(socketPath: server.path)
        try moving.connect()
        try moving.send(Self.message(msgID: "first"))
        #expect(try Header(try #require(server.receive())).msgID == "first")
    }

    @Test("the events of a cycle: job start at notice, failing verdicts at their severity, passing ones not sent")
    func messagesForEvents() throws {
        let policy = try AgentFixtures.policy()
        var tracker = ProcessTracker()
        let events = tracker.update(with: AgentFixtures.audit(try AgentFixtures.snapshot(), at: 0, policy: policy))
        let citations = events.indices.map { SyslogSender.Citation(seq: 1000 + Int64($0), uid: nil) }
        let messages = SyslogSender.messages(for: events, citations: citations, keyID: "e25d8bae3c3c1020",
                                             time: UTCTime(millisecondsSinceEpoch: 0), hostname: "vm", procID: 7)
        let start = try #require(messages.first { $0.msgID == "job_start" })
        #expect(start.level == .notice)
        #expect(start.body["panda_id"]?.stringValue == "6402753124")
        // Each message cites its record (seq), the key that signed it and whose process it is about.
        let startIndex = try #require(events.firstIndex { if case .jobStarted = $0 { return true } else { return false } })
        #expect(start.body["seq"]?.integerValue == 1000 + Int64(startIndex))
        #expect(start.body["key_id"]?.stringValue == "e25d8bae3c3c1020")
        #expect(start.body["uid"] == .null, "the citation's uid, null when not known")
        guard case .jobStarted(let job) = events[startIndex] else { return }
        #expect(job.rootUID == 2001, "the payload root's uid is the job's")
        let withUID = SyslogSender.messages(for: [events[startIndex]], citations: [SyslogSender.Citation(seq: 7, uid: job.rootUID)],
                                            keyID: "k", time: UTCTime(millisecondsSinceEpoch: 0), hostname: "vm", procID: 7)
        #expect(withUID.first?.body["uid"]?.integerValue == 2001)
        let findings = messages.filter { $0.msgID == "finding" }
        #expect(!findings.isEmpty && findings.allSatisfy { $0.body["status"]?.stringValue == "fail" })
        let uid = try #require(findings.first { $0.body["rule"]?.stringValue == "ISO-UID" })
        #expect(uid.level == .error && uid.priority == 83)
    }

    static let rsyslogd = "/usr/sbin/rsyslogd"

    @Test("a real rsyslogd on a private socket files the messages under authpriv, app isotrace, with msgid and JSON body",
          .enabled(if: Executables.isExecutable(rsyslogd), "needs rsyslog (apt-get install rsyslog)"),
          .enabled(if: geteuid() == 0, "rsyslogd runs as root here"))
    func realRsyslog() throws {
        let directory = try TestDirectory("isotrace-agent-rsyslog").url
        defer { try? FileManager.default.removeItem(at: directory) }
        let socketPath = directory.appendingPathComponent("log").path
        let output = directory.appendingPathComponent("authpriv.log").path
        let configuration = """
            global(workDirectory="\(directory.path)")
            module(load="imuxsock" SysSock.Use="off")
            input(type="imuxsock" Socket="\(socketPath)" UseSpecialParser="off" ParseHostname="on")
            template(name="fields" type="string" string="%syslogfacility-text%|%syslogseverity-text%|%hostname%|%app-name%|%procid%|%msgid%|%msg%\\n")
            authpriv.* action(type="omfile" file="\(output)" template="fields")
            """
        let configPath = directory.appendingPathComponent("rsyslog.conf").path
        try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
        let daemon = try Command.start([Self.rsyslogd, "-n", "-f", configPath, "-i", directory.appendingPathComponent("rsyslogd.pid").path])
        defer { daemon.stop() }  // SIGKILL to its PID, then reaped
        var ready = false
        for _ in 0..<200 where !ready {
            ready = FileManager.default.fileExists(atPath: socketPath)
            if !ready { usleep(25_000) }
        }
        try #require(ready, "rsyslogd made no socket at \(socketPath)")
        let sender = SyslogSender(socketPath: socketPath)
        try sender.send(Self.message())
        var filed = ""
        for _ in 0..<200 where !filed.hasSuffix("\n") {
            filed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if !filed.hasSuffix("\n") { usleep(25_000) }
        }
        let fields = filed.split(separator: "\n").first.map { $0.split(separator: "|", maxSplits: 6).map(String.init) } ?? []
        try #require(fields.count == 7, "rsyslog wrote: \(filed)")
        #expect(fields[0] == "authpriv")
        #expect(fields[1] == "err")
        #expect(fields[2] == "wn042.example.org")
        #expect(fields[3] == "isotrace")
        #expect(fields[4] == "4242")
        #expect(fields[5] == "finding")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(fields[6].trimmingCharacters(in: .whitespaces).utf8)) as? [String: String])
        #expect(body["rule"] == "ISO-UID")
    }
}
