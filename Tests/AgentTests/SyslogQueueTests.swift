@testable import Agent
import Base
import Foundation
import Logging
import Records
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15 item 5: syslog for a SIEM. A real unix datagram socket whose receiver does not read
/// fills up (the kernel then answers EAGAIN); nothing is lost once it reads again, and what goes
/// beyond the queue's bound is counted: in the sender, the drop notice, the heartbeat and metrics.
@Suite(.serialized) struct SyslogQueueTests {
    typealias SlowServer = SyslogTests.DatagramServer

    /// The JSON body of a received datagram (after the RFC 5424 header's seven fields).
    static func body(_ datagram: String) -> [String: Any] {
        let parts = datagram.split(separator: " ", maxSplits: 7, omittingEmptySubsequences: false)
        guard parts.count == 8 else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(parts[7].utf8)) as? [String: Any]) ?? [:]
    }

    static func numbered(_ count: Int) -> [SyslogMessage] {
        (0..<count).map { index in
            SyslogMessage(level: .notice, time: UTCTime(millisecondsSinceEpoch: 1_795_000_000_000), hostname: "wn042", procID: 42,
                          msgID: "finding", body: .object([JSONMember("n", JSONValue(exactly: Int64(index))!),
                                                           JSONMember("padding", .string(String(repeating: "x", count: 200)))]))
        }
    }

    /// Drains the server and flushes the sender in turn until nothing waits; every datagram received.
    static func drainAll(_ server: SlowServer, _ sender: SyslogSender) -> [String] {
        var received: [String] = []
        for _ in 0..<10_000 {
            received += server.drain()
            if sender.counts.queued == 0 { break }
            sender.flush(waitMilliseconds: 10)
        }
        return received + server.drain()
    }

    @Test("a full socket loses nothing: what it does not take waits, in order, and goes once the receiver reads")
    func fullSocketLosesNothing() throws {
        let server = try SlowServer()
        let sender = SyslogSender(socketPath: server.path, queueLimit: 100_000)
        try sender.connect()
        let error = sender.submit(Self.numbered(3000), waitMilliseconds: 0)
        #expect(error?.errno == .resourceTemporarilyUnavailable, "the socket filled up: \(String(describing: error))")
        #expect(sender.counts.queued > 0 && sender.counts.sent + sender.counts.queued == 3000 && sender.counts.dropped == 0, "\(sender.counts)")
        // The receiver reads in the background while one flush waits for room.
        let reader = DispatchQueue(label: "syslog-reader")
        let collected = Collected()
        let done = DispatchSemaphore(value: 0)
        reader.async {
            for _ in 0..<2000 {
                collected.append(server.drain())
                if collected.count >= 3000 { break }
                usleep(5000)
            }
            done.signal()
        }
        #expect(sender.flush(waitMilliseconds: 60_000) == nil, "the wait for room ends with the queue empty")
        done.wait()
        let received = collected.items + server.drain()
        #expect(sender.counts == SyslogSender.Counts(sent: 3000, dropped: 0, queued: 0))
        #expect(received.count == 3000)
        #expect(received.map { Self.body($0)["n"] as? Int ?? -1 } == Array(0..<3000), "every message once, in order")
    }

    @Test("beyond the bound the oldest are dropped, counted, and the receiver hears of it before the rest")
    func dropsBeyondTheBoundAreCounted() throws {
        let server = try SlowServer()
        let sender = SyslogSender(socketPath: server.path, queueLimit: 50)
        sender.reportDrops { dropped, total in
            SyslogSender.dropNotice(dropped: dropped, total: total, keyID: "k", time: UTCTime(millisecondsSinceEpoch: 0), hostname: "wn042", procID: 42)
        }
        try sender.connect()
        sender.submit(Self.numbered(3000), waitMilliseconds: 0)
        let taken = sender.counts.sent
        #expect(taken > 0 && taken < 2950, "the socket took some: \(sender.counts)")
        #expect(sender.counts.queued == 50 && sender.counts.dropped == 3000 - taken - 50, "\(sender.counts)")
        let received = Self.drainAll(server, sender)
        let bodies = received.map(Self.body)
        let numbers = bodies.compactMap { $0["n"] as? Int }
        #expect(numbers == Array(0..<taken) + Array(2950..<3000), "the first the socket took and the newest 50; the oldest waiting were dropped")
        let notice = try #require(bodies.first { $0["event"] as? String == "syslog_dropped" })
        #expect(notice["dropped"] as? Int == 3000 - taken - 50 && notice["dropped_total"] as? Int == 3000 - taken - 50, "\(notice)")
        #expect(bodies.firstIndex { $0["event"] as? String == "syslog_dropped" } == taken, "the notice comes before what waited")
        #expect(received.count + sender.counts.dropped == 3001, "received (with the notice) and dropped add up")
        #expect(sender.counts == SyslogSender.Counts(sent: taken + 50, dropped: 3000 - taken - 50, queued: 0))
    }

    @Test("the daemon: messages cite seq, key_id and uid; drops show in the next heartbeat and in the metrics")
    func daemonCountsDrops() throws {
        let server = try SlowServer()
        let filled = try server.fill()
        let scratch = try TestDirectory("isotrace-agent-syslog-daemon")
        defer { scratch.remove() }
        let directory = scratch.url
        let key = try KeyPairFiles(outputDirectory: directory.path).create()
        var configuration = DaemonConfiguration(policyPath: AgentFixtures.policyPath, outputDirectory: directory.path,
                                                keyPath: KeyPairFiles(outputDirectory: directory.path).privateKeyPath)
        configuration.procRoot = AgentFixtures.pilot3
        configuration.syslogSocket = server.path
        configuration.syslogQueueLimit = 2
        configuration.heartbeatEvery = 1
        configuration.updateIndex = false
        configuration.metricsPath = directory.appendingPathComponent("isotrace.prom").path
        let loop = DaemonLoop(configuration: configuration, policy: try AgentFixtures.policy(), key: key,
                              logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        loop.prepare()
        loop.cycle()  // the socket is full: the first cycle's messages wait, all but 2 dropped
        let firstCycle = loop.syslog!.counts
        #expect(firstCycle.sent == 0 && firstCycle.queued == 2 && firstCycle.dropped > 0, "\(firstCycle), after \(filled) junk datagrams")
        // Its heartbeat is the next one; its chain_head message (every heartbeat has one) pushes
        // the oldest waiting one out: the queue then holds the two chain heads.
        loop.cycle()
        let metrics = try String(contentsOfFile: configuration.metricsPath!, encoding: .utf8)
        #expect(metrics.contains("isotrace_syslog_dropped_total \(firstCycle.dropped + 1)\n"), "\(metrics)")
        #expect(metrics.contains("isotrace_syslog_queued 2\n"), "\(metrics)")
        #expect(server.drain().count == filled)
        #expect(loop.stop() == 0)
        let received = server.drain().map(Self.body)
        let notice = try #require(received.first, "the drop notice first")
        #expect(notice["event"] as? String == "syslog_dropped" && notice["dropped"] as? Int == firstCycle.dropped + 1, "\(received)")
        let cited = received.dropFirst()
        #expect(cited.map { $0["event"] as? String } == ["chain_head", "chain_head", "chain_head"], "two waited, the final one was sent at the stop: \(cited)")
        for body in cited {
            #expect(body["key_id"] as? String == key.keyID && body["seq"] is Int && body.keys.contains("uid"), "\(body)")
        }
        // The records: the second heartbeat counts the first cycle's drops; the final one all.
        let records = directory.appendingPathComponent("records").path
        let lines = try FileManager.default.contentsOfDirectory(atPath: records).filter { $0.hasSuffix(".jsonl") }.sorted()
            .flatMap { try String(contentsOfFile: records + "/" + $0, encoding: .utf8).split(separator: "\n") }
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        let heartbeats = lines.filter { $0["type"] as? String == "heartbeat" }.map { $0["heartbeat"] as? [String: Any] ?? [:] }
        try #require(heartbeats.count == 3, "\(heartbeats)")
        #expect((heartbeats[0]["syslog"] as? [String: Int])?["dropped"] == 0)
        #expect((heartbeats[1]["syslog"] as? [String: Int])?["dropped"] == firstCycle.dropped, "\(heartbeats[1])")
        #expect((heartbeats[2]["syslog"] as? [String: Int]) == ["sent": 2, "dropped": firstCycle.dropped + 1, "queued": 0], "\(heartbeats[2])")
        // Each chain head names a heartbeat of this chain.
        let heartbeatSeqs = Set(lines.filter { $0["type"] as? String == "heartbeat" }.compactMap { $0["seq"] as? Int })
        #expect(Set(cited.compactMap { $0["seq"] as? Int }) == heartbeatSeqs, "\(cited)")
    }
}

/// Datagrams collected by a background reader.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var items: [String] { lock.withLock { stored } }
    var count: Int { lock.withLock { stored.count } }
    func append(_ more: [String]) { lock.withLock { stored += more } }
}
