@testable import Agent
import Base
import Foundation
import GRDB
import Jobs
import Policy
import ProcFS
@testable import RecordIndex
import Records
import TestSupport
import Testing

/// The facts a record body hands over to the index (`RecordBody.processFacts`, `auditFacts`) give,
/// row for row, the index its values give: the daemon's writers' bodies (`audit` records of the
/// fixture node, of it with hostile values and of this machine, sampled `process` and `exit`
/// records, the event source's `process` and `exit` records of several entries) signed and
/// appended by the real chain writer, indexed from the facts, from the values, and rebuilt from
/// the segments' lines, into real SQLite files.
@Suite struct HandedOverFactsTests {
    static let node = RecordNode(hostname: "wn-042.example.org", bootID: "d9b5c4a2-1f3e-4c1a-9a7b-2e6f0c8d4b11", machineID: "m")

    /// `body` with the facts it states handed over: the writer's own when it gave them (they must
    /// be what the body states), else read from its values here.
    static func handingOver(_ body: RecordBody) throws -> RecordBody {
        if body.type == .audit {
            let stated = body.members.first { $0.key == "audit" }.flatMap { StatedFacts.audit($0.value) }
            #expect(stated != nil && body.auditFacts == stated, "the audit writer's facts are what its record states")
            return body
        }
        let stated = StatedFacts.processes(of: body.members)
        if let given = body.processFacts {
            #expect(given == stated, "\(body.type): the writer's facts are what its record states")
            return body
        }
        return RecordBody(type: body.type, members: body.members, processFacts: stated, carriesChainHead: body.carriesChainHead)
    }

    /// `body` with nothing handed over: the index reads its values.
    static func withoutFacts(_ body: RecordBody) throws -> RecordBody {
        RecordBody(type: body.type, canonicalMembers: try body.canonicalMembers(), carriesChainHead: body.carriesChainHead)
    }

    /// The daemon's bodies of one cycle: sampled processes (fixture node, and with hostile
    /// attribution values), their `exit` records, and the event source's records.
    static func bodies() throws -> [RecordBody] {
        var bodies: [RecordBody] = []
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        // The fixture node's processes in one `process` and one `exit` record, as a cycle groups them.
        var entries: [SampledProcessEntry] = [], ended: [TrackedProcess] = []
        let policy = try AgentFixtures.policy()
        let audit = AgentFixtures.audit(snapshot, at: 0, policy: policy)
        bodies.append(try RecordBody.audit(audit))
        for case .processStarted(let process, let sample) in tracker.update(with: audit) {
            entries.append(try DaemonRecords.processEntry(process, sample: sample))
            ended.append(process)
        }
        bodies.append(try DaemonRecords.processes(entries, sampler: .procfs))
        bodies.append(DaemonRecords.exits(ended, sampler: .procfs))
        var generator = SplitMix64(seed: 2026_12_05_1445)
        let hostile = ["", "\"", "\\", "\u{0}", "\u{1}\u{1F}", "caf\u{e9}", "e\u{301}", "\u{2028}", "\u{1F602}", "4267387837", "}{\"pid\":1,"]
        for _ in 0..<60 {
            let sample = snapshot.processes.randomElement(using: &generator)!
            let process = RecordBytesTests.tracked(sample, &generator, hostile: hostile)
            bodies.append(try DaemonRecords.processes([try DaemonRecords.processEntry(process, sample: sample)],
                                                      sampler: Bool.random(using: &generator) ? .bpf : nil))
            bodies.append(DaemonRecords.exits([process]))
        }
        // The fixture node's audit again with hostile command lines, cgroups and environments,
        // and this machine's own audit.
        var changed = snapshot
        for index in changed.processes.indices where index % 2 == 0 {
            changed.processes[index].arguments = (0..<Int.random(in: 0...6, using: &generator)).map { _ in hostile.randomElement(using: &generator)! }
            changed.processes[index].cgroups = [CgroupEntry(hierarchy: 0, controllers: [], path: "/" + hostile.randomElement(using: &generator)!)]
        }
        bodies.append(try RecordBody.audit(AgentFixtures.audit(changed, at: 30, policy: policy)))
        let live = try ProcSampler(procRoot: "/proc").sample()
        bodies.append(try RecordBody.audit(PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: "/proc")).audit(live)))
        typealias E = EventAttributorTests
        var attributor = EventAttributor()
        attributor.ingest([E.event(.fork, 310, parent: 200)] + (0..<6).flatMap { offset -> [ProcessEvent] in
            let pid = 300 + Int32(offset)
            return [E.event(.fork, pid, parent: 200),
                    E.event(.exec, pid, parent: 200, uid: 0, filename: "/usr/bin/id", cwd: "PanDA_Pilot-4267387837", arguments: ["id", "-u", "\u{1}\"x\\"]),
                    E.event(.exit, pid, parent: 200, status: 1 << 8)]
        }, node: E.node)
        let first = attributor.resolve(alive: E.tracked, ended: [:], sampled: E.sampled)
        attributor.ingest([E.event(.exec, 310, parent: 200, filename: "/bin/true", arguments: ["/bin/true"]), E.event(.exit, 310, parent: 200)],
                          node: E.node)
        let second = attributor.resolve(alive: E.tracked, ended: [:], sampled: E.sampled)
        #expect(first.started.count == 7 && first.exited.count == 6 && second.exited.count == 1)
        bodies += [DaemonRecords.eventProcesses(first.started), DaemonRecords.eventExits(first.exited), DaemonRecords.eventExits(second.exited)]
        return bodies
    }

    /// Every table of the index in `directory`, row for row, each column as (storage class, value).
    static func dump(_ directory: String) throws -> [String: [[String]]] {
        let queue = try DatabaseQueue(path: directory + "/index.sqlite")
        defer { try? queue.close() }
        return try queue.read { db in
            var tables: [String: [[String]]] = [:]
            // The tables row by row, and every sighting from either table as one row (`SightingRows`).
            for (table, order) in IndexSchema.tables.map({ ($0, "rowid") }) + IndexSchema.views.map({ ($0, "id") }) {
                let columns = try db.columns(in: table).map(\.name)
                let select = columns.map { "typeof(\($0)) || ':' || coalesce(quote(\($0)), '')" }.joined(separator: ", ")
                tables[table] = try Row.fetchAll(db, sql: "SELECT \(select) FROM \(table) ORDER BY \(order)").map { row in
                    (0..<row.count).map { row[$0] as String }
                }
            }
            return tables
        }
    }

    static func removeIndex(_ directory: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory + "/index.sqlite" + suffix) }
    }

    @Test("audit records, sampled process and exit records, event process and exit records: the facts give the rows of the values and of the lines")
    func factsGiveTheRowsOfTheValues() throws {
        let directory = try TestDirectory("isotrace-facts", mode: 0o700)
        defer { directory.remove() }
        let bodies = try Self.bodies().map(Self.handingOver)
        let writer = try ChainWriter.open(outputDirectory: directory.path, signer: .single(RecordSigningKey()), node: Self.node, keepingWritten: true)
        _ = try writer.append(bodies)
        writer.close()
        let written = writer.written
        #expect(written.count == bodies.count)

        // The facts are taken for the records that hand them over and state nothing beyond them.
        let taken = written.filter { IndexedEnvelope(handedOver: $0.record) != nil }.map(\.record.body.type)
        #expect(taken.filter { $0 == .process }.count > 30 && taken.filter { $0 == .exit }.count > 30 && taken.filter { $0 == .audit }.count == 3,
                "\(taken.count) of \(written.count)")
        #expect(written.contains { $0.record.body.processFacts != nil && IndexedEnvelope(handedOver: $0.record) == nil },
                "some pilot start_ticks beyond 2^53: the values are read")

        let fromFacts = try RecordIndex.update(directory: directory.path, written: written)
        let viaFacts = try Self.dump(directory.path)
        Self.removeIndex(directory.path)
        var stripped = written
        for index in stripped.indices { stripped[index].record.body = try Self.withoutFacts(stripped[index].record.body) }
        #expect(stripped.allSatisfy { $0.record.body.processFacts == nil })
        let fromValues = try RecordIndex.update(directory: directory.path, written: stripped)
        let viaValues = try Self.dump(directory.path)
        let rebuilt = try RecordIndex.rebuild(directory: directory.path)
        let viaLines = try Self.dump(directory.path)

        #expect(fromFacts.takenFromWriter == fromValues.takenFromWriter && fromFacts.indexedRecords == fromValues.indexedRecords)
        #expect(fromFacts.problems == fromValues.problems && fromFacts.problems == rebuilt.problems)
        #expect(fromFacts.indexedRecords == rebuilt.indexedRecords && fromFacts.indexedRecords > 100)
        #expect(viaFacts["process_sighting_all"]!.count > 100)
        for table in IndexSchema.tables + IndexSchema.views {
            #expect(viaFacts[table] == viaValues[table], "\(table): from the facts, from the values")
            #expect(viaFacts[table] == viaLines[table], "\(table): from the facts, rebuilt from the lines")
        }
        // The event entries' rows are there with their job.
        #expect(viaFacts["process_sighting_all"]!.contains { $0.joined().contains("/usr/bin/id") && $0.joined().contains("4267387837") })
        #expect(viaFacts["job_sighting"]!.count >= 2 && viaFacts["finding"]!.count > 10)
    }
}
