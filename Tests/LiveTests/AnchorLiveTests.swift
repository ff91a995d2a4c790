import Base
import Foundation
import Records
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Live {
    /// Chain heads leaving the node (issue 16 item 2): a real daemon with `--syslog` into a real
    /// rsyslogd on a private socket, which files the `chain_head` messages as a site would (an
    /// RFC 5424 file, a traditional file, the bare message). Its heartbeats carry the head before
    /// them; the heads in syslog are the chain's; `verify --anchors` passes on the intact chain and
    /// names the head once the chain is cut back, or rewritten and re-signed with the node key.
    @Suite(.enabled(if: LiveRequirements.isRoot, "needs root: the daemon reads every process and confines itself; rsyslogd runs as root"),
           .enabled(if: Executables.isExecutable("/usr/sbin/rsyslogd"), "needs rsyslog (make deps)"))
    struct AnchorLiveTests {
        static let rsyslogd = "/usr/sbin/rsyslogd"

        /// rsyslogd on `DIR/log`, keeping only msgid chain_head, in three files.
        final class Rsyslog {
            let directory: String
            let socket: String
            let process: ChildProcess
            var rfc5424: String { directory + "/heads-rfc5424.log" }
            var traditional: String { directory + "/heads-traditional.log" }
            var bodies: String { directory + "/heads-body.log" }

            init(directory: String) throws {
                self.directory = directory
                socket = directory + "/log"
                let configuration = """
                    global(workDirectory="\(directory)")
                    module(load="imuxsock" SysSock.Use="off")
                    input(type="imuxsock" Socket="\(socket)" UseSpecialParser="off" ParseHostname="on")
                    template(name="body" type="string" string="%msg%\\n")
                    if $msgid == "chain_head" then {
                      action(type="omfile" file="\(directory)/heads-rfc5424.log" template="RSYSLOG_SyslogProtocol23Format")
                      action(type="omfile" file="\(directory)/heads-traditional.log" template="RSYSLOG_TraditionalFileFormat")
                      action(type="omfile" file="\(directory)/heads-body.log" template="body")
                    }
                    """
                try configuration.write(toFile: directory + "/rsyslog.conf", atomically: true, encoding: .utf8)
                process = try ChildProcess([AnchorLiveTests.rsyslogd, "-n", "-f", directory + "/rsyslog.conf", "-i", directory + "/rsyslogd.pid"])
                for _ in 0..<400 where !FileManager.default.fileExists(atPath: socket) { usleep(25_000) }
                try #require(FileManager.default.fileExists(atPath: socket), "rsyslogd made no socket at \(socket): \(process.stderrText)")
            }

            func lines(_ path: String) -> [String] {
                ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            }
        }

        /// The record lines of each segment, in order.
        static func segments(_ directory: String) throws -> [(path: String, lines: [String])] {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/records").filter { $0.hasSuffix(".jsonl") }.sorted()
            return try names.map { name in
                let path = directory + "/records/" + name
                return (path, try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init))
            }
        }

        @Test("a daemon's heartbeats carry the chain head and syslog gets each head; verify --anchors passes, then fails on a chain cut back or rewritten and re-signed")
        func daemonHeadsThroughRsyslog() throws {
            let run = try DaemonRun()
            defer { run.remove() }
            let syslog = try Rsyslog(directory: run.directory)
            defer { syslog.process.stop() }
            let daemon = try run.start(["--syslog", "--syslog-socket", syslog.socket, "--heartbeat-every", "1"])
            defer { daemon.stop() }
            // Three heads in syslog (a busy machine makes the first cycle slow: up to 3 minutes).
            let sent = daemon.waitFor(attempts: 18_000) { syslog.lines(syslog.rfc5424).count >= 3 ? true : nil }
            #expect(sent == true, "no chain_head messages in rsyslog's file: daemon \(daemon.stderrText) rsyslogd \(syslog.process.stderrText)")
            kill(daemon.pid, SIGTERM)
            #expect(daemon.waitFor(attempts: 6000) { daemon.exitCode } == 0, "\(daemon.stderrText)")

            let segments = try Self.segments(run.directory)
            let lines = segments.flatMap(\.lines)
            let records = try lines.map { try JSONParser().parse(Array($0.utf8)) }
            let last = try #require(records.last)
            #expect(last["type"] == .string("heartbeat") && last["heartbeat"]?["final"] == .bool(true))
            // Every heartbeat carries the head just before it.
            let heartbeats = records.indices.filter { records[$0]["type"] == .string("heartbeat") }
            #expect(heartbeats.count >= 3)
            for index in heartbeats {
                let head = try #require(records[index]["chain_head"].flatMap(ChainHead.init(json:)), "\(lines[index])")
                #expect(head.seq == Int64(index) && head.lineHash == (index == 0 ? Record.genesisPrev : Record.hash(ofLine: Array(lines[index - 1].utf8))))
            }
            // Each head in syslog is a heartbeat's own line, signed by the node key, from this host;
            // the final heartbeat's head is there too (sent at the stop).
            // The key root finds on the node: the current epoch's (the daemon made epoch 2 at start).
            let key = try ChainRewriter.nodeKey(run.directory)
            let chainKeyID = try RecordPublicKey.load(path: KeyPairFiles(outputDirectory: run.directory).publicKeyPath).keyID
            let hostname = last["node"]?["hostname"]?.stringValue
            // rsyslogd files the final head shortly after the stop.
            for _ in 0..<300 where ChainHead(json: (try? JSONParser().parse(Array((syslog.lines(syslog.bodies).last ?? "").utf8))) ?? .null)?.seq != Int64(lines.count)
                || syslog.lines(syslog.rfc5424).count != syslog.lines(syslog.traditional).count {
                usleep(10_000)
            }
            let bodies = try syslog.lines(syslog.bodies).map { try JSONParser().parse(Array($0.trimmingCharacters(in: .whitespaces).utf8)) }
            #expect(bodies.count >= 3)
            for body in bodies {
                let head = try #require(ChainHead(json: body), "\(body)")
                #expect(body["event"] == .string("chain_head") && body["key_id"] == .string(chainKeyID) && body["hostname"]?.stringValue == hostname, "\(body)")
                let index = Int(head.seq) - 1
                #expect(heartbeats.contains(index), "the head in syslog is a heartbeat: \(body)")
                #expect(index < lines.count && Record.hash(ofLine: Array(lines[index].utf8)) == head.lineHash, "\(body)")
            }
            #expect(bodies.last.flatMap { ChainHead(json: $0) }?.seq == Int64(lines.count), "the final heartbeat's head was sent at the stop")
            #expect(syslog.lines(syslog.rfc5424).allSatisfy { $0.hasPrefix("<86>1 ") && $0.contains(" isotrace \(daemon.pid) chain_head ") },
                    "\(syslog.lines(syslog.rfc5424))")

            // The intact chain holds every head, in each of the three forms rsyslog filed.
            for file in [syslog.rfc5424, syslog.traditional, syslog.bodies] {
                let verify = try IsotraceBinary.run("verify", "--out", run.directory, "--anchors", file)
                #expect(verify.status == 0 && verify.stdout.contains("; anchors \(file): \(bodies.count) held"), "\(verify)")
            }

            // Cut back past the last head: the segment truncated before the final heartbeat.
            let lastHead = try #require(ChainHead(json: bodies.last!))
            let anchorLine = syslog.lines(syslog.rfc5424).count
            try write(segments, keeping: Int(lastHead.seq) - 1)
            #expect(try IsotraceBinary.run("verify", "--out", run.directory).status == 0, "the shorter chain is intact on its own")
            let cut = try IsotraceBinary.run("verify", "--out", run.directory, "--anchors", syslog.rfc5424)
            #expect(cut.status == 1, "\(cut)")
            #expect(cut.stdout.contains("\(syslog.rfc5424):\(anchorLine): anchored head seq \(lastHead.seq) sha256 \(lastHead.lineHash): the chain ends at seq \(lastHead.seq - 1)"), "\(cut)")
            #expect(cut.stdout.contains("cut back past this head"), "\(cut)")

            // Rewritten before the first head, within the current epoch (seq 3, the first record after
            // the daemon's own key_rotation), every later record re-linked and re-signed with the
            // current epoch key, as root on the node could: its window, which only the heads close.
            #expect(records[1]["type"] == .string("key_rotation") && records[2]["key_id"] == .string(key.keyID))
            let forged = try ChainRewriter.rewrite(lines, at: 2, key: key) { members in
                members.map { $0.key == "time" ? JSONMember("time", .string(String($0.value.stringValue!.prefix(20)) + "999Z")) : $0 }
            }
            try write(segments.map(\.path), forged, counts: segments.map(\.lines.count))
            #expect(try IsotraceBinary.run("verify", "--out", run.directory).status == 0, "every signature and link is good again")
            let rewritten = try IsotraceBinary.run("verify", "--out", run.directory, "--anchors", syslog.rfc5424)
            #expect(rewritten.status == 1, "\(rewritten)")
            let first = try #require(ChainHead(json: bodies[0]))
            #expect(rewritten.stdout.contains("\(syslog.rfc5424):1: anchored head seq \(first.seq) sha256 \(first.lineHash): the chain's seq \(first.seq) ("), "\(rewritten)")
            #expect(rewritten.stdout.contains("instead: rewritten after this head left the node"), "\(rewritten)")
            #expect(rewritten.stdout.contains("TAMPERED: \(bodies.count) anchored head(s) no longer in the chain"), "\(rewritten)")
        }

        /// The chain cut back to its first `count` records.
        func write(_ segments: [(path: String, lines: [String])], keeping count: Int) throws {
            var left = count
            for segment in segments {
                let kept = Array(segment.lines.prefix(max(left, 0)))
                left -= kept.count
                if kept.isEmpty { try? FileManager.default.removeItem(atPath: segment.path); continue }
                try (kept.joined(separator: "\n") + "\n").write(toFile: segment.path, atomically: false, encoding: .utf8)
            }
        }

        /// `lines` written back to the segments they came from (`counts` lines each).
        func write(_ paths: [String], _ lines: [String], counts: [Int]) throws {
            var start = 0
            for (path, count) in zip(paths, counts) {
                try (lines[start..<start + count].joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
                start += count
            }
        }
    }
}
