import Foundation
import Records
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

let centralUnavailable: String? = PostgresServer.unavailableReason ?? (Executables.isotrace == nil ? "the isotrace binary was not built next to the tests" : nil)

/// Runs isotrace with `arguments`.
func isotrace(_ arguments: [String]) throws -> CommandResult {
    try IsotraceBinary.run(arguments)
}

/// Runs `body` with a fresh PostgreSQL server and removes it afterwards, also when `body` throws
/// or an expectation fails.
func withServer(_ body: (PostgresServer) throws -> Void) throws {
    let server = try PostgresServer()
    defer { server.remove() }
    try body(server)
}

/// The central PostgreSQL sink end to end, on a real PostgreSQL 15 started per test: schema
/// migrations, three nodes shipping concurrently while the database goes down and comes back,
/// the cross-node query, and verification catching tampering and unknown keys.
@Suite("Central PostgreSQL store", .serialized, .enabled(if: centralUnavailable == nil, "\(centralUnavailable ?? "")"))
struct CentralStoreTests {
    init() {
        if let centralUnavailable { print("CentralStoreTests skipped: \(centralUnavailable)") }
    }

    @Test("db init creates the schema once; running it again changes nothing")
    func initTwice() throws {
        try withServer { server in
            let sink = ["--sink", server.url, "--password-file", server.passwordFile]
            let first = try isotrace(["db", "init"] + sink)
            #expect(first.status == 0, "\(first)")
            #expect(first.stdout.contains("schema version 4"), "\(first)")
            #expect(first.stderr.contains("applied migration 1"), "\(first)")
            let second = try isotrace(["db", "init"] + sink)
            #expect(second.status == 0, "\(second)")
            #expect(second.stdout.contains("already up to date"), "\(second)")
            #expect(try server.sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM isotrace.schema_migration") == "1,2,3,4")
            // The password never shows, and a wrong one is refused.
            #expect(!(first.stdout + first.stderr + second.stdout + second.stderr).contains(server.password))
            let wrong = server.directory + "-wrong"
            FileManager.default.createFile(atPath: wrong, contents: Data("nope\n".utf8), attributes: [.posixPermissions: 0o600])
            defer { try? FileManager.default.removeItem(atPath: wrong) }
            let refused = try isotrace(["db", "init", "--sink", server.url, "--password-file", wrong])
            #expect(refused.status == 2, "\(refused)")
            #expect(refused.stderr.contains("password authentication failed"), "\(refused)")
            // A password file others can read is refused before connecting.
            chmod(wrong, 0o644)
            let open = try isotrace(["db", "init", "--sink", server.url, "--password-file", wrong])
            #expect(open.status == 2 && open.stderr.contains("readable by group or others"), "\(open)")
        }
    }

    @Test("three nodes ship concurrently; the database stops mid-way and restarts; nothing lost or duplicated")
    func threeNodesWithOutage() throws {
        try withServer { server in
            let sink = ["--sink", server.url, "--password-file", server.passwordFile]
            #expect(try isotrace(["db", "init"] + sink).status == 0)
            let nodes = try ["node-a", "node-b", "node-c"].map(SimulatedNode.init(hostname:))
            defer { nodes.forEach { $0.remove() } }
            for (index, node) in nodes.enumerated() {
                try node.append(3_000, pandaIDs: ["91000000\(index)1", "91000000\(index)2", "4267387837"])
            }
            // Three shippers at once; the database is stopped (as by a crash) while they run.
            let shippers = try nodes.map { try Command.start([try IsotraceBinary.path(), "ship", "--out", $0.directory] + sink) }
            usleep(150_000)
            try server.stop(mode: "immediate")
            let firstRound = shippers.map { $0.wait() }
            for result in firstRound {
                #expect(result.status == 0 || result.status == 2, "\(result)")
                print("first round (database stopped while shipping): exit \(result.status): \(result.stdout)\(result.stderr)")
            }
            // While it is down: more records, and a ship that fails without losing anything.
            for node in nodes { try node.append(500, pandaIDs: ["4267387837"]) }
            let down = try isotrace(["ship", "--out", nodes[0].directory] + sink)
            #expect(down.status == 2, "\(down)")
            #expect(down.stderr.contains("cannot connect"), "\(down)")
            #expect(!down.stderr.contains(server.password))
            try server.start()
            let secondRound = try nodes.map { try Command.start([try IsotraceBinary.path(), "ship", "--out", $0.directory] + sink) }.map { $0.wait() }
            for result in secondRound { #expect(result.status == 0, "\(result)") }
            for node in nodes {
                let row = try server.sql("""
                    SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM isotrace.record WHERE key_id = '\(node.key.keyID)' AND node = '\(node.hostname)'
                    """)
                #expect(row == "3500|3500|1|3500", "\(node.hostname): \(row)")
            }
            // Shipping again sends nothing new (the cursor), and all again from scratch changes nothing.
            let again = try isotrace(["ship", "--out", nodes[1].directory] + sink)
            #expect(again.status == 0 && again.stdout.contains("shipped 0 record(s)"), "\(again)")
            try FileManager.default.removeItem(atPath: nodes[1].directory + "/sink.cursor")
            let resend = try isotrace(["ship", "--out", nodes[1].directory] + sink)
            #expect(resend.stdout.contains("shipped 3500 record(s)") && resend.stdout.contains("0 new"), "\(resend)")
            #expect(try server.sql("SELECT count(*) FROM isotrace.record") == "10500")
            // A database restored from an older backup: the rows are gone, the cursor is ahead.
            try server.sqlAsSuperuserBypassingTriggers("DELETE FROM isotrace.record WHERE key_id = '\(nodes[2].key.keyID)' AND seq > 3000")
            let refill = try isotrace(["ship", "--out", nodes[2].directory] + sink)
            #expect(refill.stdout.contains("500 new"), "\(refill)")
            #expect(refill.stderr.contains("only up to seq 3000"), "\(refill)")
        }
    }

    @Test("query --db finds a PanDA job and a PID across nodes, citing each node's segment lines")
    func crossNodeQuery() throws {
        try withServer { server in
            let sink = ["--sink", server.url, "--password-file", server.passwordFile]
            #expect(try isotrace(["db", "init"] + sink).status == 0)
            let a = try SimulatedNode(hostname: "node-a"), b = try SimulatedNode(hostname: "node-b"), c = try SimulatedNode(hostname: "node-c")
            defer { [a, b, c].forEach { $0.remove() } }
            try a.append(40, pandaIDs: ["9100000011", "4267387837"])
            try b.append(40, pandaIDs: ["9100000021", "4267387837"], pidBase: 30_000)
            try c.append(40, pandaIDs: ["9100000031"], pidBase: 40_000)
            for node in [a, b, c] { #expect(try isotrace(["ship", "--out", node.directory] + sink).status == 0) }

            let db = ["--db", server.url, "--password-file", server.passwordFile]
            let json = try isotrace(["query", "--panda-id", "4267387837", "--format", "json"] + db)
            #expect(json.status == 0, "\(json)")
            let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let sections = document?["nodes"] as? [[String: Any]] ?? []
            #expect(sections.compactMap { $0["node"] as? String } == ["node-a", "node-b"])
            for section in sections {
                let result = section["result"] as? [String: Any]
                let jobs = result?["jobs"] as? [[String: Any]] ?? []
                #expect(jobs.count == 1 && jobs.first?["panda_id"] as? String == "4267387837")
                let processes = jobs.first?["processes"] as? [[String: Any]] ?? []
                #expect(processes.count == 20, "\(section["node"] ?? "?"): \(processes.count) processes")
                let records = result?["records"] as? [[String: Any]] ?? []
                #expect(records.count == 20)
                #expect(records.allSatisfy { ($0["file"] as? String)?.hasPrefix("records/") == true && ($0["line"] as? Int ?? 0) >= 1 })
            }
            let table = try isotrace(["query", "--panda-id", "4267387837"] + db)
            #expect(table.stdout.contains("NODE node-a") && table.stdout.contains("NODE node-b") && !table.stdout.contains("NODE node-c"), "\(table)")
            #expect(table.stdout.contains("JOB 4267387837"), "\(table)")

            // PID 30007 at a time: only node-b had it; its job comes with it.
            let pid = try isotrace(["query", "--pid", "30007", "--at", "2026-11-26T03:12:00Z", "--format", "json"] + db)
            let pidDocument = try JSONSerialization.jsonObject(with: Data(pid.stdout.utf8)) as? [String: Any]
            let pidSections = pidDocument?["nodes"] as? [[String: Any]] ?? []
            #expect(pidSections.compactMap { $0["node"] as? String } == ["node-b"], "\(pid)")
            let pidResult = pidSections.first?["result"] as? [String: Any]
            #expect((pidResult?["processes"] as? [[String: Any]])?.first?["pid"] as? Int == 30007)
            #expect(((pidResult?["jobs"] as? [[String: Any]])?.first?["processes"] as? [[String: Any]])?.count == 20)

            let nothing = try isotrace(["query", "--panda-id", "1"] + db)
            #expect(nothing.status == 0 && nothing.stderr.contains("no record of PanDA job 1"), "\(nothing)")
            let onlyA = try isotrace(["query", "--panda-id", "4267387837", "--node", "node-a"] + db)
            #expect(onlyA.stdout.contains("NODE node-a") && !onlyA.stdout.contains("NODE node-b"), "\(onlyA)")
        }
    }

    @Test("verify --db: intact chains pass; an unknown key, an edited line and a removed row are reported with node, key and seq")
    func verifyCatchesTampering() throws {
        try withServer { server in
            let sink = ["--sink", server.url, "--password-file", server.passwordFile]
            let db = ["--db", server.url, "--password-file", server.passwordFile]
            #expect(try isotrace(["db", "init"] + sink).status == 0)
            let a = try SimulatedNode(hostname: "node-a"), b = try SimulatedNode(hostname: "node-b")
            defer { [a, b].forEach { $0.remove() } }
            try a.append(50, pandaIDs: ["9100000011"])
            try b.append(50, pandaIDs: ["9100000021"])
            for node in [a, b] { #expect(try isotrace(["ship", "--out", node.directory] + sink).status == 0) }
            #expect(try isotrace(["db", "add-key", "--node", "node-a", "--key", a.publicKeyPath] + sink).status == 0)

            // node-b's key is not registered: its records are not accepted.
            let unknown = try isotrace(["verify"] + db)
            #expect(unknown.status == 1, "\(unknown)")
            #expect(unknown.stdout.contains("node node-b key_id \(b.key.keyID) seq 1: unknown key: 50 record(s)"), "\(unknown)")
            #expect(unknown.stdout.contains("intact: node node-a key_id \(a.key.keyID): 50 record(s), seq 1-50"), "\(unknown)")
            #expect(try isotrace(["verify", "--node", "node-a"] + db).status == 0)

            #expect(try isotrace(["db", "add-key", "--node", "node-b", "--key", b.publicKeyPath] + sink).status == 0)
            let again = try isotrace(["db", "add-key", "--node", "node-b", "--key", b.publicKeyPath] + sink)
            #expect(again.status == 0 && again.stdout.contains("already registered"), "\(again)")
            let stolen = try isotrace(["db", "add-key", "--node", "node-c", "--key", b.publicKeyPath] + sink)
            #expect(stolen.status == 1 && stolen.stderr.contains("registered for node node-b"), "\(stolen)")
            let intact = try isotrace(["verify"] + db)
            #expect(intact.status == 0 && intact.stdout.contains("intact: 2 node chain(s), 100 record(s)"), "\(intact)")

            // Someone with write access to the database edits a line: the PID of seq 17.
            try server.sqlAsSuperuserBypassingTriggers("UPDATE isotrace.record SET line = replace(line, '\"pid\":20017', '\"pid\":20099') WHERE key_id = '\(b.key.keyID)' AND seq = 17")
            #expect(try server.sql("SELECT count(*) FROM isotrace.record WHERE line LIKE '%\"pid\":20099%'") == "1")
            let edited = try isotrace(["verify"] + db)
            #expect(edited.status == 1, "\(edited)")
            #expect(edited.stdout.contains("node node-b key_id \(b.key.keyID) seq 17: bad signature"), "\(edited)")
            #expect(edited.stdout.contains("node node-b key_id \(b.key.keyID) seq 18: broken chain"), "\(edited)")
            #expect(edited.stdout.contains("intact: node node-a"), "\(edited)")
            // And removes a row of node-a, and moves another to a new seq.
            try server.sqlAsSuperuserBypassingTriggers("DELETE FROM isotrace.record WHERE key_id = '\(a.key.keyID)' AND seq = 30")
            try server.sqlAsSuperuserBypassingTriggers("UPDATE isotrace.record SET seq = 70 WHERE key_id = '\(a.key.keyID)' AND seq = 40")
            let removed = try isotrace(["verify", "--node", "node-a"] + db)
            #expect(removed.status == 1, "\(removed)")
            #expect(removed.stdout.contains("node node-a key_id \(a.key.keyID) seq 31: missing seq 30"), "\(removed)")
            #expect(removed.stdout.contains("seq 70: the stored line says seq 40"), "\(removed)")
            #expect(!removed.stdout.contains("node-b"), "\(removed)")
            // And says a line came from a segment of an older day than its time (issue 21 finding 7,
            // as the local verifier does).
            try server.sqlAsSuperuserBypassingTriggers("UPDATE isotrace.record SET segment = '2026-01-01.jsonl' WHERE key_id = '\(b.key.keyID)' AND seq = 30")
            let renamed = try isotrace(["verify", "--node", "node-b"] + db)
            #expect(renamed.status == 1, "\(renamed)")
            #expect(renamed.stdout.contains("node node-b key_id \(b.key.keyID) seq 30: recorded at ")
                && renamed.stdout.contains("after its segment's day 2026-01-01"), "\(renamed)")
            #expect(!renamed.stdout.contains("seq 31: recorded at"), "the next line begins no segment of another day")
        }
    }

    @Test("daemon --sink ships every cycle, keeps a backlog while the database is down, and catches up in order")
    func daemonShipsThroughOutage() throws {
        try withServer { server in
            let sink = ["--sink", server.url, "--password-file", server.passwordFile]
            #expect(try isotrace(["db", "init"] + sink).status == 0)
            let outDirectory = try TestDirectory("isotrace-daemon")
            defer { outDirectory.remove() }
            let out = outDirectory.path
            #expect(try isotrace(["keygen", "--out", out]).status == 0)
            // As root the daemon confines itself (seccomp with the sink's syscalls); otherwise it cannot.
            let daemon = try Command.start([try IsotraceBinary.path(), "daemon", "--interval", "300ms", "--heartbeat-every", "1", "--out", out,
                                            "--proc-root", Repository.pilot3ProcRoot,
                                            "--policy", Repository.policy] + sink + (geteuid() == 0 ? [] : ["--no-confine"]))
            var stopped = false
            defer { if !stopped { daemon.signal(SIGKILL); _ = daemon.wait() } }
            func stored() -> Int { Int((try? server.sql("SELECT count(*) FROM isotrace.record")) ?? "") ?? -1 }
            func local() -> Int {
                ((try? FileManager.default.contentsOfDirectory(atPath: out + "/records")) ?? []).filter { $0.hasSuffix(".jsonl") }
                    .reduce(0) { $0 + ((try? String(contentsOfFile: out + "/records/" + $1, encoding: .utf8))?.split(separator: "\n").count ?? 0) }
            }
            func waitFor(_ condition: () -> Bool) {
                for _ in 0..<100 where !condition() { usleep(100_000) }
            }
            waitFor { stored() >= 3 }
            #expect(stored() >= 3)
            try server.stop(mode: "immediate")
            let atStop = local()
            waitFor { local() >= atStop + 5 }
            #expect(local() >= atStop + 5, "the daemon goes on recording while the database is down")
            try server.start()
            waitFor { stored() == local() && stored() > atStop + 5 }
            daemon.signal(SIGTERM)
            let result = daemon.wait()
            stopped = true
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("confinement verified") || geteuid() != 0, "\(result)")
            #expect(result.stderr.contains("records stay in"), "\(result)")
            #expect(result.stderr.contains("reachable again"), "\(result)")
            #expect(!result.stderr.contains(server.password))
            let count = local()
            #expect(try server.sql("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM isotrace.record") == "\(count)|\(count)|1|\(count)",
                    "the final heartbeat too: every local record once, in the database")
        }
    }

    @Test("retention: isotrace.prune removes old rows and the rest still verifies from the floor")
    func pruneKeepsChainVerifiable() throws {
        try withServer { server in
            let sink = ["--sink", server.url, "--password-file", server.passwordFile]
            let db = ["--db", server.url, "--password-file", server.passwordFile]
            #expect(try isotrace(["db", "init"] + sink).status == 0)
            let node = try SimulatedNode(hostname: "node-a")
            defer { node.remove() }
            try node.append(30, pandaIDs: ["9100000011"])
            #expect(try isotrace(["ship", "--out", node.directory] + sink).status == 0)
            #expect(try isotrace(["db", "add-key", "--node", "node-a", "--key", node.publicKeyPath] + sink).status == 0)
            try server.sqlAsSuperuserBypassingTriggers("UPDATE isotrace.record SET time = now() - interval '200 days' WHERE seq <= 10")
            #expect(try server.sql("SELECT isotrace.prune(interval '180 days')") == "10")
            let verified = try isotrace(["verify"] + db)
            #expect(verified.status == 0 && verified.stdout.contains("20 record(s), seq 11-30"), "\(verified)")
            try server.sqlAsSuperuserBypassingTriggers("DELETE FROM isotrace.record WHERE seq = 11")
            let cut = try isotrace(["verify"] + db)
            #expect(cut.status == 1 && cut.stdout.contains("seq 12: missing seq 11 after the pruned floor seq 10"), "\(cut)")
        }
    }
    @Test("epoch keys: a chain is stored under its root key_id, verify --db follows its rotations, and prune() keeps them")
    func epochKeyChain() throws {
        try withServer { server in
            let sink = ["--sink", server.url, "--password-file", server.passwordFile]
            let db = ["--db", server.url, "--password-file", server.passwordFile]
            #expect(try isotrace(["db", "init"] + sink).status == 0)
            let node = try SimulatedNode(hostname: "node-e", epochKeys: true)
            defer { node.remove() }
            try node.append(9, pandaIDs: ["9100000011"])              // seq 2-10, epoch 1
            try node.append(9, pandaIDs: ["9100000011"], rotate: true) // seq 11 rotation, 12-20 epoch 2
            try node.append(9, pandaIDs: ["9100000011"], rotate: true) // seq 21 rotation, 22-30 epoch 3
            #expect(try isotrace(["ship", "--out", node.directory] + sink).status == 0)
            #expect(try isotrace(["db", "add-key", "--node", "node-e", "--key", node.publicKeyPath] + sink).status == 0)
            #expect(try server.sql("SELECT count(*), count(DISTINCT key_id), min(key_id) FROM isotrace.record") == "30|1|\(node.rootKeyID)")
            let verified = try isotrace(["verify"] + db)
            #expect(verified.status == 0 && verified.stdout.contains("30 record(s), seq 1-30"), "\(verified)")

            // A record of epoch 1 re-signed with the epoch 3 key (the one on the node) is caught.
            let current = try RecordSigningKey.load(path: node.directory + "/keys/epoch-3.key")
            let line = try server.sql("SELECT line FROM isotrace.record WHERE seq = 5")
            var members = try JSONParser().parse(Array(line.utf8)).objectMembers!.filter { $0.key != "sig" }
            let signature = try current.signature(for: try CanonicalJSON.bytes(.object(members)))
            members.append(JSONMember("sig", .string(Data(signature).base64EncodedString())))
            let forged = try CanonicalJSON.string(.object(members)).replacingOccurrences(of: "'", with: "''")
            try server.sqlAsSuperuserBypassingTriggers("UPDATE isotrace.record SET line = '\(forged)' WHERE seq = 5")
            let caught = try isotrace(["verify"] + db)
            #expect(caught.status == 1 && caught.stdout.contains("seq 5: bad signature"), "\(caught)")
            try server.sqlAsSuperuserBypassingTriggers("UPDATE isotrace.record SET line = '\(line.replacingOccurrences(of: "'", with: "''"))' WHERE seq = 5")

            // prune() removes old rows but keeps the rotations: verify --db still places every key.
            try server.sqlAsSuperuserBypassingTriggers("UPDATE isotrace.record SET time = now() - interval '200 days' WHERE seq <= 25")
            #expect(try server.sql("SELECT isotrace.prune(interval '180 days')") == "22")
            #expect(try server.sql("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM isotrace.record WHERE seq <= 25") == "1,11,21")
            let pruned = try isotrace(["verify"] + db)
            #expect(pruned.status == 0 && pruned.stdout.contains("5 record(s), seq 26-30"), "\(pruned)")
        }
    }
}
