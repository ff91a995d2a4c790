import Agent
import Base
import Foundation
import Records
import TestSupport
import Testing

/// The chain head (`ChainHead`): its JSON, and the `chain_head` a heartbeat carries, checked by
/// `verify` and by the Python recipe against the record's own seq and prev.
@Suite struct ChainHeadTests {
    @Test("a head's JSON is {\"seq\",\"sha256\"} in canonical form; it reads back, and malformed heads are refused")
    func json() throws {
        let hash = String(repeating: "ab", count: 32)
        let head = ChainHead(seq: 41, lineHash: hash, segment: "2026-11-26.jsonl")
        #expect(try CanonicalJSON.string(head.json) == "{\"seq\":41,\"sha256\":\"\(hash)\"}")
        let read = try #require(ChainHead(json: try JSONParser().parse(Array("{\"sha256\":\"\(hash)\",\"seq\":41,\"key_id\":\"x\"}".utf8))))
        #expect(read.seq == 41 && read.lineHash == hash && read.segment == nil)
        #expect(read.names(sameLineAs: head) && read != head, "same line; segment is the writer's note, not the head's")
        for bad in ["{\"seq\":-1,\"sha256\":\"\(hash)\"}", "{\"seq\":1.5,\"sha256\":\"\(hash)\"}", "{\"seq\":\"1\",\"sha256\":\"\(hash)\"}",
                    "{\"seq\":1,\"sha256\":\"\(hash.uppercased())\"}", "{\"seq\":1,\"sha256\":\"abc\"}", "{\"seq\":1}", "[1]"] {
            #expect(ChainHead(json: try JSONParser().parse(Array(bad.utf8))) == nil, "\(bad)")
        }
        #expect(ChainHead.empty.json == ChainHead(before: 1, prev: Record.genesisPrev).json)
    }

    @Test("every heartbeat carries the head just before it: seq - 1 and the SHA-256 of the line before (zeros for seq 1)")
    func heartbeatCarriesHead() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        var counters = HeartbeatCounters()
        _ = try chain.append([DaemonRecords.heartbeat(counters)])
        _ = try chain.append([TestChain.body(1), TestChain.body(2)])
        counters.cycles = 3
        _ = try chain.append([DaemonRecords.heartbeat(counters), TestChain.body(3), DaemonRecords.heartbeat(counters)])
        let lines = try chain.lines()
        #expect(lines.count == 6)
        for (index, line) in lines.enumerated() {
            let record = try JSONParser().parse(Array(line.utf8))
            guard record["type"]?.stringValue == "heartbeat" else {
                #expect(record["chain_head"] == nil, "only heartbeats carry it: \(line)")
                continue
            }
            let head = try #require(record["chain_head"].flatMap(ChainHead.init(json:)), "\(line)")
            #expect(head.seq == Int64(index))
            #expect(head.lineHash == (index == 0 ? Record.genesisPrev : Record.hash(ofLine: Array(lines[index - 1].utf8))))
        }
        let report = try chain.verify()
        #expect(report.isIntact, "\(report.problems)")
        try expectPython(chain, status: 0)
    }

    @Test("a chain_head changed and the record signed again with the node key: verify names the record; so does the Python recipe")
    func forgedHead() throws {
        let chain = try TestChain(records: 2)
        defer { chain.directory.remove() }
        _ = try chain.append([DaemonRecords.heartbeat(HeartbeatCounters()), TestChain.body(4)])
        var lines = try chain.lines()
        // The head claims seq 1 (a shorter chain), with seq 1's real hash; prev and seq stay, so
        // only the head disagrees with the record.
        let forged = ChainHead(seq: 1, lineHash: Record.hash(ofLine: Array(lines[0].utf8)))
        lines[2] = try ChainRewriter.resign(lines[2], key: chain.key) { members in
            members.map { $0.key == ChainHead.bodyKey ? JSONMember(ChainHead.bodyKey, forged.json) : $0 }
        }
        lines[3] = try ChainRewriter.resign(lines[3], key: chain.key) { members in
            members.map { $0.key == "prev" ? JSONMember("prev", .string(Record.hash(ofLine: Array(lines[2].utf8)))) : $0 }
        }
        try chain.rewrite(lines)
        let problems = try chain.verify().problems
        #expect(problems.map(\.line) == [3], "\(problems)")
        #expect(problems.first?.reason == "chain_head (seq 1, sha256 \(forged.lineHash)) is not the head this record continues (seq 2, its prev)")
        try expectPython(chain, status: 1, saying: "records/2026-11-26.jsonl:3: chain_head is not the head this record continues")

        // Not an object of two members: a shape problem, named.
        lines[2] = try ChainRewriter.resign(lines[2], key: chain.key) { members in
            members.map { $0.key == ChainHead.bodyKey ? JSONMember(ChainHead.bodyKey, .object([JSONMember("seq", .number(2))])) : $0 }
        }
        try chain.rewrite(lines)
        #expect(try chain.verify().problems.map(\.reason).contains("chain_head {\"seq\":2} is not \(ChainHead.shape)"))
    }

    func expectPython(_ chain: TestChain, status: Int32, saying text: String? = nil) throws {
        guard let python = Requirements.python.path else {
            print("ChainHeadTests: Python recipe not run: \(Requirements.python.reason)")
            return
        }
        let result = try Command.run([python, Repository.verifyScript, chain.directory.path + "/records", chain.directory.path + "/keys/isotrace.pub"])
        #expect(result.status == status, "\(result)")
        if let text { #expect(result.stdout.contains(text), "\(result.stdout)") }
    }
}
