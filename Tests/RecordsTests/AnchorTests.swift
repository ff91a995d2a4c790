import Agent
import Base
import Foundation
import Records
import TestSupport
import Testing

/// `verify --anchors FILE`: chain heads kept off the node against the chain on disk, with
/// `isotrace` itself and with the Python recipe. The chain spans two daily segments and has the
/// daemon's heartbeats; the anchors are the heads after them, in the three forms a site collects
/// (the syslog body, an RFC 5424 line, a traditional syslog file line).
@Suite struct AnchorTests {
    /// seq 1-5 audit, 6 heartbeat, 7 audit on 2026-11-26; 8 audit, 9 heartbeat, 10-11 audit on 2026-11-27.
    struct AnchoredChain {
        let chain: TestChain
        let anchors: String
        /// The heads after the two heartbeats (seq 6 and 9).
        let heads: [ChainHead]
        var lines: [String] { (try? chain.lines()) ?? [] }
        var records: String { chain.directory.path + "/records" }
        var nextDay: String { records + "/2026-11-27.jsonl" }

        init() throws {
            chain = try TestChain(records: 5)
            _ = try chain.append([DaemonRecords.heartbeat(HeartbeatCounters())])
            chain.clock.milliseconds = TestClock.parse("2026-11-26T23:59:59.990Z")
            _ = try chain.append([TestChain.body(7), TestChain.body(8), DaemonRecords.heartbeat(HeartbeatCounters()), TestChain.body(10), TestChain.body(11)])
            let lines = try chain.lines()
            heads = [ChainHead(seq: 6, lineHash: Record.hash(ofLine: Array(lines[5].utf8))),
                     ChainHead(seq: 9, lineHash: Record.hash(ofLine: Array(lines[8].utf8)))]
            anchors = chain.directory.path + "/anchors.log"
            let keyID = chain.key.keyID
            let body = { (head: ChainHead) in
                "{\"boot_id\":\"5f3e7818\",\"event\":\"chain_head\",\"hostname\":\"wn042.example.org\",\"key_id\":\"\(keyID)\",\"machine_id\":null,\"seq\":\(head.seq),\"sha256\":\"\(head.lineHash)\",\"uid\":null}"
            }
            try ([
                "<86>1 2026-11-26T07:06:00.000Z wn042.example.org isotrace 4242 chain_head - " + body(heads[0]),
                "",
                "Nov 27 00:00:05 wn042 isotrace[4242]: " + body(heads[1]),
                body(heads[1]),
                "{\"seq\":6,\"sha256\":\"\(heads[0].lineHash)\"}",
            ].joined(separator: "\n") + "\n").write(toFile: anchors, atomically: false, encoding: .utf8)
        }

        func verify(_ extra: [String] = []) throws -> CommandResult {
            try IsotraceBinary.run(["verify", "--out", chain.directory.path, "--anchors", anchors] + extra)
        }

        /// Writes `lines` back: seq 1-7 to the first day's segment, the rest to the next.
        func write(_ lines: [String]) throws {
            try (lines.prefix(7).joined(separator: "\n") + "\n").write(toFile: chain.segmentPath, atomically: false, encoding: .utf8)
            try (lines.dropFirst(7).joined(separator: "\n") + "\n").write(toFile: nextDay, atomically: false, encoding: .utf8)
        }
    }

    @Test("anchors files: the syslog body, {seq, sha256}, RFC 5424 and traditional syslog lines, blank lines; anything else names FILE:LINE")
    func forms() throws {
        let hash = String(repeating: "0a", count: 32)
        let text = """
            {"event":"chain_head","hostname":"wn042","key_id":"67409e5c6453c546","seq":12,"sha256":"\(hash)","uid":null}
            <86>1 2026-12-05T04:10:00.000Z wn042 isotrace 4242 chain_head - {"event":"chain_head","key_id":"67409e5c6453c546","seq":13,"sha256":"\(hash)"}\r
              \t
            Dec  5 04:10:00 wn042 isotrace[4242]: {"seq":14,"sha256":"\(hash)"}
            """
        let anchors = try AnchorFile.parse(Array(text.utf8), file: "heads.log")
        #expect(anchors.map(\.head.seq) == [12, 13, 14])
        #expect(anchors.map(\.line) == [1, 2, 4])
        #expect(anchors[0].keyID == "67409e5c6453c546" && anchors[0].hostname == "wn042" && anchors[2].keyID == nil)
        #expect(anchors[1].place == "heads.log:2")
        let bad: [(String, String)] = [
            ("hello", "not a chain head: neither a JSON object nor a syslog line whose message is one"),
            ("{\"seq\":1,", "not a chain head: the line is not valid JSON"),
            ("<86>1 - wn042 isotrace 1 job_start - {\"event\":\"job_start\",\"seq\":3,\"key_id\":\"x\"}", "not a chain head: a message of event \"job_start\" (keep only msgid chain_head)"),
            ("{\"seq\":1,\"sha256\":\"abc\"}", "not a chain head: needs \(ChainHead.shape)"),
            ("{\"seq\":1,\"sha256\":\"\(hash)\",\"key_id\":7}", "key_id 7 is not a string"),
            ("[{\"seq\":1}]", "neither a JSON object"),
            ("x{\"seq\":1,\"sha256\":\"\(hash)\"}", "neither a JSON object"),
        ]
        for (line, reason) in bad {
            #expect(throws: AnchorLineError.self) { try AnchorFile.parse(Array(("\n" + line + "\n").utf8), file: "heads.log") }
            do {
                _ = try AnchorFile.parse(Array(("\n" + line + "\n").utf8), file: "heads.log")
            } catch {
                #expect(error.line == 2 && error.file == "heads.log" && error.reason.contains(reason), "\(line): \(error)")
            }
        }
    }

    @Test("an intact chain holds every anchored head: exit 0 with the count; heads of another key or host are listed as not applicable")
    func intact() throws {
        let anchored = try AnchoredChain()
        defer { anchored.chain.directory.remove() }
        let result = try anchored.verify()
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("intact: 11 record(s) in 2 segment(s), seq 1-11, key_id \(anchored.chain.key.keyID); anchors \(anchored.anchors): 4 held (seq 6-9)"), "\(result)")
        try expectPython(anchored, status: 0, saying: "4 held, 0 no longer in the chain, 0 not applicable")

        // Heads of another node's chain: said, not checked, not failing.
        let other = String(repeating: "1", count: 16)
        let hash = String(repeating: "f", count: 64)
        try (String(contentsOfFile: anchored.anchors, encoding: .utf8)
             + "{\"event\":\"chain_head\",\"key_id\":\"\(other)\",\"seq\":500,\"sha256\":\"\(hash)\"}\n"
             + "{\"event\":\"chain_head\",\"hostname\":\"wn043.example.org\",\"seq\":501,\"sha256\":\"\(hash)\"}\n"
             // This host under another key (keys change along a chain, epoch by epoch): checked.
             + "{\"event\":\"chain_head\",\"hostname\":\"wn042.example.org\",\"key_id\":\"\(other)\",\"seq\":6,\"sha256\":\"\(anchored.heads[0].lineHash)\"}\n")
            .write(toFile: anchored.anchors, atomically: false, encoding: .utf8)
        let mixed = try anchored.verify()
        #expect(mixed.status == 0, "\(mixed)")
        #expect(mixed.stdout.contains("\(anchored.anchors):6: anchored head seq 500 sha256 \(hash): not applicable: key_id \(other) is not this chain's (\(anchored.chain.key.keyID))"), "\(mixed)")
        #expect(mixed.stdout.contains("\(anchored.anchors):7: anchored head seq 501 sha256 \(hash): not applicable: hostname wn043.example.org is not this chain's (wn042.example.org)"), "\(mixed)")
        #expect(mixed.stdout.contains("5 held (seq 6-9), 2 not applicable"), "\(mixed)")
        try expectPython(anchored, status: 0, saying: "5 held, 0 no longer in the chain, 2 not applicable")

        // Only other chains' heads: nothing was checked, which must not read as a pass.
        try "{\"key_id\":\"\(other)\",\"seq\":500,\"sha256\":\"\(hash)\"}\n".write(toFile: anchored.anchors, atomically: false, encoding: .utf8)
        let none = try anchored.verify()
        #expect(none.status == 2 && none.stderr.contains("none of its 1 chain head(s) is this chain's"), "\(none)")
        try expectPython(anchored, status: 2, saying: "none of its 1 chain head(s) is this chain's")

        // A line that is no head: exit 2 naming it; so is a file without heads.
        try "{\"seq\":6,\"sha256\":\"\(anchored.heads[0].lineHash)\"}\nwn042 restarted\n".write(toFile: anchored.anchors, atomically: false, encoding: .utf8)
        let bad = try anchored.verify()
        #expect(bad.status == 2 && bad.stderr.contains("\(anchored.anchors):2: not a chain head: neither a JSON object"), "\(bad)")
        try expectPython(anchored, status: 2, saying: "\(anchored.anchors):2: not a chain head")
        try "\n\n".write(toFile: anchored.anchors, atomically: false, encoding: .utf8)
        let empty = try anchored.verify()
        #expect(empty.status == 2 && empty.stderr.contains("no chain head in it"), "\(empty)")
    }

    @Test("cut back past an anchored head (the last segment truncated, or removed): verify --anchors fails naming the head and where the chain ends")
    func cutBack() throws {
        let anchored = try AnchoredChain()
        defer { anchored.chain.directory.remove() }
        let lines = anchored.lines
        // Truncated after seq 8: a chain that verifies on its own.
        try (lines[7] + "\n").write(toFile: anchored.nextDay, atomically: false, encoding: .utf8)
        #expect(try IsotraceBinary.run("verify", "--out", anchored.chain.directory.path).status == 0, "on its own the shorter chain is intact")
        let truncated = try anchored.verify()
        #expect(truncated.status == 1, "\(truncated)")
        let head = "anchored head seq 9 sha256 \(anchored.heads[1].lineHash)"
        #expect(truncated.stdout.contains("\(anchored.anchors):3: \(head): the chain ends at seq 8 (\(anchored.nextDay):1): cut back past this head"), "\(truncated)")
        #expect(truncated.stdout.contains("\(anchored.anchors):4: \(head): the chain ends at seq 8"), "\(truncated)")
        #expect(!truncated.stdout.contains("\(anchored.anchors):1:"), "seq 6 is still held: \(truncated)")
        #expect(truncated.stdout.contains("TAMPERED: 2 anchored head(s) no longer in the chain; 8 record(s) in 2 segment(s), seq 1-8"), "\(truncated)")
        try expectPython(anchored, status: 1, saying: "\(anchored.anchors):3: \(head): the chain ends at seq 8")

        // The last segment removed.
        try FileManager.default.removeItem(atPath: anchored.nextDay)
        let dropped = try anchored.verify()
        #expect(dropped.status == 1, "\(dropped)")
        #expect(dropped.stdout.contains("\(anchored.anchors):3: \(head): the chain ends at seq 7 (\(anchored.chain.segmentPath):7): cut back past this head"), "\(dropped)")
        try expectPython(anchored, status: 1, saying: "\(anchored.anchors):3: \(head): the chain ends at seq 7")
    }

    @Test("a record before the head rewritten and the rest re-signed with the node key: verify alone says intact, verify --anchors names the heads")
    func rewritten() throws {
        let anchored = try AnchoredChain()
        defer { anchored.chain.directory.remove() }
        let forged = try ChainRewriter.rewrite(anchored.lines, at: 2, key: anchored.chain.key) { members in
            members.map { $0.key == "audit" ? JSONMember("audit", .object([JSONMember("n", .number(3)), JSONMember("note", .string("nothing ran"))])) : $0 }
        }
        try anchored.write(forged)
        let alone = try IsotraceBinary.run("verify", "--out", anchored.chain.directory.path)
        #expect(alone.status == 0, "every signature and link is good again: \(alone)")
        let result = try anchored.verify()
        #expect(result.status == 1, "\(result)")
        let newSix = Record.hash(ofLine: Array(forged[5].utf8)), newNine = Record.hash(ofLine: Array(forged[8].utf8))
        #expect(result.stdout.contains("\(anchored.anchors):1: anchored head seq 6 sha256 \(anchored.heads[0].lineHash): the chain's seq 6 (\(anchored.chain.segmentPath):6) hashes to \(newSix) instead: rewritten after this head left the node"), "\(result)")
        #expect(result.stdout.contains("\(anchored.anchors):3: anchored head seq 9 sha256 \(anchored.heads[1].lineHash): the chain's seq 9 (\(anchored.nextDay):2) hashes to \(newNine) instead"), "\(result)")
        #expect(result.stdout.contains("TAMPERED: 4 anchored head(s) no longer in the chain"), "\(result)")
        try expectPython(anchored, status: 1, saying: "the chain's seq 6 (\(anchored.chain.segmentPath):6) hashes to \(newSix) instead")
    }

    func expectPython(_ anchored: AnchoredChain, status: Int32, saying text: String) throws {
        guard let python = Requirements.python.path else {
            print("AnchorTests: Python recipe not run: \(Requirements.python.reason)")
            return
        }
        let result = try Command.run([python, Repository.verifyScript, anchored.records, anchored.chain.directory.path + "/keys/isotrace.pub",
                                      "--anchors", anchored.anchors])
        #expect(result.status == status, "\(result)")
        #expect((result.stdout + result.stderr).contains(text), "\(result)")
    }
}
