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

/// The facts a record body hands over to the index (`RecordBody.processFacts`) give, row for row,
/// the index its values give: the daemon's writers' bodies (sampled `process` and `exit`
/// records, the event source's `process` and `exit` records of several entries) signed and
/// appended by the real chain writer, indexed from the facts, from the values, and rebuilt from
/// the segments' lines, into real SQLite files.
@Suite struct HandedOverFactsTests {
    static let node = RecordNode(hostname: "wn-042.example.org", bootID: "d9b5c4a2-1f3e-4c1a-9a7b-2e6f0c8d4b11", machineID: "m")

    /// What a process object states as the index reads it (pid and start_ticks required, IDs
    /// given as numbers read as their decimal text, an absent `ns` all nil, a pilot's null
    /// start_ticks nil), or nil when it is not a process the index reads.
    static func stated(_ value: JSONValue) -> ProcessFacts? {
        func text(_ value: JSONValue?) -> String? { value?.stringValue }
        func lenient(_ value: JSONValue?) -> String? { value?.stringValue ?? value?.integerValue.map(String.init) }
        func integers(_ value: JSONValue?) -> [Int64]? {
            guard case .array(let elements)? = value else { return nil }
            return elements.map { $0.integerValue! }
        }
        func object(_ value: JSONValue?) -> JSONValue? {
            guard let value, case .object = value else { return nil }
            return value
        }
        guard case .object = value, let pid = value["pid"]?.integerValue, let startTicks = value["start_ticks"]?.integerValue else { return nil }
        var cmdline: [String]?
        if case .array(let arguments)? = value["cmdline"] { cmdline = arguments.map { $0.stringValue! } }
        let ns = object(value["ns"])
        return ProcessFacts(
            pid: pid, startTicks: startTicks, startTime: text(value["start_time"]), bootID: text(value["boot_id"]),
            uid: value["uid"]?.integerValue, uids: integers(value["uids"]), gids: integers(value["gids"]), cmdline: cmdline,
            exe: text(value["exe"]), cgroup: text(value["cgroup"]),
            namespaces: ProcessFacts.Namespaces(cgroup: ns?["cgroup"]?.integerValue, ipc: ns?["ipc"]?.integerValue, mnt: ns?["mnt"]?.integerValue,
                                                net: ns?["net"]?.integerValue, pid: ns?["pid"]?.integerValue,
                                                pidForChildren: ns?["pid_for_children"]?.integerValue, time: ns?["time"]?.integerValue,
                                                user: ns?["user"]?.integerValue, uts: ns?["uts"]?.integerValue),
            pandaID: lenient(value["panda_id"]), taskID: lenient(value["task_id"]),
            container: object(value["container"]).map { ProcessFacts.Container(runtime: text($0["runtime"]), image: text($0["image"])) },
            firstSeen: text(value["first_seen"]), lastSeen: text(value["last_seen"]), role: text(value["role"]),
            pilot: object(value["pilot"]).map { pilot in
                ProcessFacts.Identity(bootID: text(pilot["boot_id"]), pid: pilot["pid"]!.integerValue!, startTicks: pilot["start_ticks"]?.integerValue)
            })
    }

    /// Every process object `body` states, in body order (`process`, then each of `processes`).
    static func stated(_ body: RecordBody) -> [ProcessFacts]? {
        var facts: [ProcessFacts] = []
        for member in body.members {
            switch (member.key, member.value) {
            case ("process", let value):
                guard let one = stated(value) else { return nil }
                facts.append(one)
            case ("processes", .array(let values)):
                for value in values {
                    guard let one = stated(value) else { return nil }
                    facts.append(one)
                }
            default:
                continue
            }
        }
        return facts
    }

    /// `body` with the facts it states handed over: the writer's own when it gave them (they must
    /// be what the body states), else read from its values here.
    static func handingOver(_ body: RecordBody) throws -> RecordBody {
        let stated = Self.stated(body)
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
        for case .processStarted(let process, let sample) in tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: try AgentFixtures.policy())) {
            bodies.append(try DaemonRecords.process(process, sample: sample, sampler: .procfs))
            bodies.append(DaemonRecords.exit(process, sampler: .procfs))
        }
        var generator = SplitMix64(seed: 2026_12_05_1445)
        let hostile = ["", "\"", "\\", "\u{0}", "\u{1}\u{1F}", "caf\u{e9}", "e\u{301}", "\u{2028}", "\u{1F602}", "4267387837", "}{\"pid\":1,"]
        for _ in 0..<60 {
            let sample = snapshot.processes.randomElement(using: &generator)!
            let process = RecordBytesTests.tracked(sample, &generator, hostile: hostile)
            bodies.append(try DaemonRecords.process(process, sample: sample, sampler: Bool.random(using: &generator) ? .bpf : nil))
            bodies.append(DaemonRecords.exit(process))
        }
        typealias E = EventAttributorTests
        var attributor = EventAttributor()
        attributor.ingest([E.event(.fork, 310, parent: 200)] + (0..<6).flatMap { offset -> [ProcessEvent] in
            let pid = 300 + Int32(offset)
            return [E.event(.fork, pid, parent: 200),
                    E.event(.exec, pid, parent: 200, uid: 0, filename: "/usr/bin/id", cwd: "PanDA_Pilot-4267387837", arguments: ["id", "-u", "\u{1}\"x\\"]),
                    E.event(.exit, pid, parent: 200, status: 1 << 8)]
        }, node: E.node)
        let first = attributor.resolve(tracked: E.tracked, sampled: E.sampled)
        attributor.ingest([E.event(.exec, 310, parent: 200, filename: "/bin/true", arguments: ["/bin/true"]), E.event(.exit, 310, parent: 200)],
                          node: E.node)
        let second = attributor.resolve(tracked: E.tracked, sampled: E.sampled)
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
            for table in IndexSchema.tables {
                let columns = try db.columns(in: table).map(\.name)
                let select = columns.map { "typeof(\($0)) || ':' || coalesce(quote(\($0)), '')" }.joined(separator: ", ")
                tables[table] = try Row.fetchAll(db, sql: "SELECT \(select) FROM \(table) ORDER BY rowid").map { row in
                    (0..<row.count).map { row[$0] as String }
                }
            }
            return tables
        }
    }

    static func removeIndex(_ directory: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory + "/index.sqlite" + suffix) }
    }

    @Test("sampled process and exit records, event process and exit records: the facts give the rows of the values and of the lines")
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
        #expect(taken.filter { $0 == .process }.count > 30 && taken.filter { $0 == .exit }.count > 30, "\(taken.count) of \(written.count)")
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
        #expect(viaFacts["process_sighting"]!.count > 100)
        for table in IndexSchema.tables {
            #expect(viaFacts[table] == viaValues[table], "\(table): from the facts, from the values")
            #expect(viaFacts[table] == viaLines[table], "\(table): from the facts, rebuilt from the lines")
        }
        // The event entries' rows are there with their job.
        #expect(viaFacts["process_sighting"]!.contains { $0.joined().contains("/usr/bin/id") && $0.joined().contains("4267387837") })
    }
}
