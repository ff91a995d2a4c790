import Foundation
import Records
import TestSupport
import Testing

/// Each way of tampering with a chain of six records makes `isotrace verify` exit 1 and name the
/// file, line, seq and reason of every consequence.
@Suite struct TamperTests {
    /// (line, seq, reason prefix) expected in verify's output.
    typealias Expected = [(line: Int, seq: String, reason: String)]

    func check(_ tamper: (TestChain, inout [String]) throws -> Void, expect expected: Expected, terminated: Bool = true) throws {
        let chain = try TestChain(records: 6)
        defer { chain.directory.remove() }
        let intact = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(intact.status == 0 && intact.stdout.contains("intact: 6 record(s) in 1 segment(s), seq 1-6, key_id \(chain.key.keyID)"), "\(intact)")
        var lines = try chain.lines()
        try tamper(chain, &lines)
        try chain.rewrite(lines, terminated: terminated)
        let result = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("TAMPERED: \(expected.count) problem(s)"), "\(result)")
        for (line, seq, reason) in expected {
            #expect(result.stdout.contains("\(chain.segmentPath):\(line): seq \(seq): \(reason)"), "expected line \(line) seq \(seq) \(reason) in\n\(result.stdout)")
        }
    }

    @Test("one field of a middle record changed")
    func changedField() throws {
        try check({ _, lines in lines[2] = lines[2].replacingOccurrences(of: "\"n\":3", with: "\"n\":33") },
                  expect: [(3, "3", "bad signature"), (4, "4", "broken chain")])
    }

    @Test("a line deleted")
    func deletedLine() throws {
        try check({ _, lines in lines.remove(at: 2) }, expect: [(3, "4", "broken chain"), (3, "4", "missing seq 3")])
    }

    @Test("two lines swapped")
    func swappedLines() throws {
        try check({ _, lines in lines.swapAt(2, 3) },
                  expect: [(3, "4", "broken chain"), (3, "4", "missing seq 3"), (4, "3", "broken chain"),
                           (4, "3", "reordered or duplicated: seq 3 after seq 4"), (5, "5", "broken chain")])
    }

    @Test("the last line truncated")
    func truncatedLastLine() throws {
        try check({ _, lines in lines[5] = String(lines[5].dropLast(10)) }, expect: [(6, "unknown", "truncated line")], terminated: false)
    }

    @Test("only the last newline cut")
    func missingFinalNewline() throws {
        try check({ _, _ in }, expect: [(6, "6", "truncated line")], terminated: false)
    }

    @Test("a record signed by another key inserted")
    func insertedForeignRecord() throws {
        let other = RecordSigningKey()
        try check({ chain, lines in
            let forged = try Record(seq: 4, time: chain.clock.now(), node: chain.node, prev: Record.hash(ofLine: Array(lines[2].utf8)),
                                    keyID: other.keyID, body: TestChain.body(4)).line(signedWith: other)
            lines.insert(String(decoding: forged, as: UTF8.self), at: 3)
        }, expect: [(4, "4", "unknown key: key_id \(other.keyID)"), (5, "4", "broken chain"), (5, "4", "reordered or duplicated: seq 4 after seq 4")])
    }

    @Test("a record claiming our key_id but signed by another key inserted")
    func insertedForgedRecord() throws {
        let other = RecordSigningKey()
        try check({ chain, lines in
            let forged = try Record(seq: 7, time: chain.clock.now(), node: chain.node, prev: Record.hash(ofLine: Array(lines[5].utf8)),
                                    keyID: chain.key.keyID, body: TestChain.body(7)).line(signedWith: other)
            lines.append(String(decoding: forged, as: UTF8.self))
        }, expect: [(7, "7", "bad signature")])
    }

    @Test("prev edited")
    func editedPrev() throws {
        try check({ _, lines in
            let record = try JSONParser().parse(lines[3])
            let prev = try #require(record["prev"]?.stringValue)
            lines[3] = lines[3].replacingOccurrences(of: prev, with: String(repeating: "a", count: 64))
        }, expect: [(4, "4", "bad signature"), (4, "4", "broken chain"), (5, "5", "broken chain")])
    }
}
