import Foundation
import Records
import TestSupport
import Testing

extension CentralStoreTests {
    /// The central store as the anchor a node cannot reach (issue 16 item 2): `verify --db` with the
    /// node's state directory compares the local chain with the central copy, on a real
    /// PostgreSQL: a chain cut back past what was shipped, rewritten and re-signed at a shipped
    /// seq, or emptied, fails naming the first seq; records not shipped yet are not a problem.
    @Test("verify --db --out DIR: the local chain against the central copy; cut back, rewritten and re-signed, emptied: exit 1 naming the seq")
    func localChainCutBack() throws {
        try withServer { server in
            let sink = ["--sink", server.url, "--password-file", server.passwordFile]
            let db = ["--db", server.url, "--password-file", server.passwordFile]
            #expect(try isotrace(["db", "init"] + sink).status == 0)
            let node = try SimulatedNode(hostname: "node-a"), other = try SimulatedNode(hostname: "node-b")
            defer { [node, other].forEach { $0.remove() } }
            try node.append(60, pandaIDs: ["9100000011"])
            try other.append(30, pandaIDs: ["9100000021"])
            for each in [node, other] {
                #expect(try isotrace(["ship", "--out", each.directory] + sink).status == 0)
                #expect(try isotrace(["db", "add-key", "--node", each.hostname, "--key", each.publicKeyPath] + sink).status == 0)
            }
            try node.append(10, pandaIDs: ["9100000011"])
            let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: node.directory + "/records").first { $0.hasSuffix(".jsonl") })
            let path = node.directory + "/records/" + segment
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count == 70)
            func write(_ lines: [String]) throws { try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8) }

            // Intact: 60 shipped and the same, 10 not shipped yet.
            let intact = try isotrace(["verify", "--out", node.directory] + db)
            #expect(intact.status == 0, "\(intact)")
            #expect(intact.stdout.contains("agrees with the central copy: local chain \(node.directory)/records (seq 1-70, key_id \(node.key.keyID)); 60 record(s) the same in both, up to seq 60; 10 record(s) not shipped yet"), "\(intact)")
            #expect(intact.stdout.contains("intact: 2 node chain(s), 90 record(s)"), "\(intact)")
            // Without records here (the admin's machine), the central copy alone, as before.
            let elsewhere = try isotrace(["verify"] + db)
            #expect(elsewhere.status == 0 && !elsewhere.stdout.contains("local chain"), "\(elsewhere)")

            // Cut back to seq 40 (the shorter chain verifies on its own).
            try write(Array(lines.prefix(40)))
            #expect(try isotrace(["verify", "--out", node.directory]).status == 0, "the shorter chain is intact on its own")
            let cut = try isotrace(["verify", "--out", node.directory] + db)
            #expect(cut.status == 1, "\(cut)")
            #expect(cut.stdout.contains("local chain \(node.directory)/records: seq 41: the local chain was cut back past seq 41, which the central store holds (20 record(s), seq 41-60, key_id \(node.key.keyID)); the local chain ends at seq 40 (\(path):40)"), "\(cut)")
            #expect(cut.stdout.contains("intact: node node-a key_id \(node.key.keyID): 60 record(s)"), "the central copy itself is intact: \(cut)")
            #expect(cut.stdout.contains("TAMPERED: the local chain \(node.directory)/records parts from the central copy"), "\(cut)")

            // Cut back and continued: seq 41 is now another record.
            try node.append(5, pandaIDs: ["9100000099"])
            let continued = try isotrace(["verify", "--out", node.directory] + db)
            #expect(continued.status == 1, "\(continued)")
            #expect(continued.stdout.contains("local chain \(node.directory)/records: seq 41: differs from the central copy: the local line \(path):41 hashes to"), "\(continued)")
            #expect(continued.stdout.contains("(key_id \(node.key.keyID)) to \(Record.hash(ofLine: Array(lines[40].utf8))): rewritten after it was shipped (5 such seqs)"), "\(continued)")
            #expect(continued.stdout.contains("seq 46: the local chain was cut back past seq 46"), "\(continued)")

            // Rewritten at seq 12 and every later record re-signed with the node key: the local
            // chain verifies on its own; the central copy tells.
            let forged = try ChainRewriter.rewrite(lines, at: 11, key: node.key) { members in
                members.map { $0.key == "process" ? JSONMember("process", .object(($0.value.objectMembers ?? []).map {
                    $0.key == "uid" ? JSONMember("uid", .number(0)) : $0
                })) : $0 }
            }
            try write(forged)
            #expect(try isotrace(["verify", "--out", node.directory]).status == 0, "every signature and link is good again")
            let rewritten = try isotrace(["verify", "--out", node.directory] + db)
            #expect(rewritten.status == 1, "\(rewritten)")
            #expect(rewritten.stdout.contains("local chain \(node.directory)/records: seq 12: differs from the central copy: the local line \(path):12 hashes to \(Record.hash(ofLine: Array(forged[11].utf8))), the central one (key_id \(node.key.keyID)) to \(Record.hash(ofLine: Array(lines[11].utf8)))"), "\(rewritten)")
            #expect(rewritten.stdout.contains("(49 such seqs)"), "seq 12-60 differ: \(rewritten)")

            // Every segment removed: the node's key still names the chain.
            try FileManager.default.removeItem(atPath: path)
            let emptied = try isotrace(["verify", "--out", node.directory] + db)
            #expect(emptied.status == 1, "\(emptied)")
            #expect(emptied.stdout.contains("seq 1: the local chain was cut back past seq 1, which the central store holds (60 record(s), seq 1-60, key_id \(node.key.keyID)); the local chain holds no record"), "\(emptied)")
            // --out naming a directory without records/: exit 2.
            try FileManager.default.removeItem(atPath: node.directory + "/records")
            let missing = try isotrace(["verify", "--out", node.directory] + db)
            #expect(missing.status == 2 && missing.stderr.contains("no records directory"), "\(missing)")
            // The other node's chain was never touched.
            #expect(try isotrace(["verify", "--out", other.directory] + db).status == 0)
        }
    }
}
