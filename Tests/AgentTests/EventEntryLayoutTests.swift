@testable import Agent
import Base
import Foundation
import GRDB
import ProcFS
@testable import RecordIndex
import Records
import TestSupport
import Testing

/// The event records' layout with `shared` (what all entries of a record state alike, once) and
/// the layout before it (every entry whole) are two ways of writing the same statements: chains
/// of either verify, index into the same process rows and answer `query --pid` / `--panda-id`
/// the same, verified from the signed lines; a central store reads the same facts from their lines.
@Suite struct EventEntryLayoutTests {
    typealias E = EventAttributorTests

    /// Two cycles of a payload's loop (`id -u` six times, a child that execs after its `process`
    /// entry) and a pilot-side helper: their `process` and `exit` entries.
    static func entries() -> (started: [EventAttributor.Entry], exited: [EventAttributor.Entry], later: [EventAttributor.Entry]) {
        var attributor = EventAttributor()
        attributor.ingest([E.event(.fork, 310, parent: 200)] + (0..<6).flatMap { offset -> [ProcessEvent] in
            let pid = 300 + Int32(offset)
            return [E.event(.fork, pid, parent: 200, at: 1_000 + UInt64(offset)),
                    E.event(.exec, pid, parent: 200, at: 2_000_000 + UInt64(offset), filename: "/usr/bin/id", cwd: "PanDA_Pilot-4267387837",
                            arguments: ["id", "-u", "\u{1}\"x\\"]),
                    E.event(.exit, pid, parent: 200, at: 3_000_000_000 + UInt64(offset), status: offset == 5 ? 9 : 1 << 8)]
        } + [E.event(.fork, 120, parent: 100), E.event(.exec, 120, parent: 100, filename: "/usr/bin/curl", arguments: ["curl", "-s"]),
             E.event(.exit, 120, parent: 100)], node: E.node)
        let first = attributor.resolve(alive: E.tracked, ended: [:], sampled: E.sampled)
        attributor.ingest([E.event(.exec, 310, parent: 200, filename: "/bin/true", arguments: ["/bin/true"]), E.event(.exit, 310, parent: 200)],
                          node: E.node)
        let second = attributor.resolve(alive: E.tracked, ended: [:], sampled: E.sampled)
        return (first.started, first.exited, second.exited)
    }

    /// The records of both cycles, per job, in the layout with `shared` or in the one before.
    static func bodies(_ entries: (started: [EventAttributor.Entry], exited: [EventAttributor.Entry], later: [EventAttributor.Entry]),
                       shared: Bool) -> [RecordBody] {
        let (started, exited, later) = entries
        var bodies: [RecordBody] = []
        for group in DaemonLoop.byJob(started) {
            let entries = group.map { started[$0] }
            bodies.append(shared ? DaemonRecords.eventProcesses(entries) : EventEntryBytesTests.Before.body(entries, exit: false))
        }
        for (list, _) in [(exited, 0), (later, 1)] {
            for group in DaemonLoop.byJob(list) {
                let entries = group.map { list[$0] }
                bodies.append(shared ? DaemonRecords.eventExits(entries) : EventEntryBytesTests.Before.body(entries, exit: true))
            }
        }
        return bodies
    }

    /// A chain of `bodies` in a new state directory, its public key saved there.
    static func chain(_ bodies: [RecordBody], key: RecordSigningKey) throws -> (TestDirectory, String) {
        let directory = try TestDirectory("isotrace-layout", mode: 0o700)
        var clock: Int64 = 1_795_000_100_000
        let writer = try ChainWriter.open(outputDirectory: directory.path, signer: .single(key), node: HandedOverFactsTests.node, clock: {
            clock += 1_000
            return UTCTime(millisecondsSinceEpoch: clock)
        })
        _ = try writer.append(bodies)
        writer.close()
        let keyPath = directory.path + "/isotrace.pub"
        try key.publicKey.pem.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (directory, keyPath)
    }

    @Test("the layout with shared and the one before: both verify, index into the same rows and answer query --pid / --panda-id the same")
    func sameAnswers() throws {
        let key = RecordSigningKey()
        let entries = Self.entries()
        let newBodies = Self.bodies(entries, shared: true), oldBodies = Self.bodies(entries, shared: false)
        #expect(newBodies.count == oldBodies.count && newBodies.count >= 4)
        #expect(newBodies.contains { $0.members.contains { $0.key == "shared" } })
        #expect(!oldBodies.contains { $0.members.contains { $0.key == "shared" } })
        let (new, newKey) = try Self.chain(newBodies, key: key)
        defer { new.remove() }
        let (old, oldKey) = try Self.chain(oldBodies, key: key)
        defer { old.remove() }

        // Fewer bytes for the same statements.
        let newBytes = try String(contentsOfFile: new.path + "/records/" + (try FileManager.default.contentsOfDirectory(atPath: new.path + "/records")
            .first { $0.hasSuffix(".jsonl") }!), encoding: .utf8).utf8.count
        let oldBytes = try String(contentsOfFile: old.path + "/records/" + (try FileManager.default.contentsOfDirectory(atPath: old.path + "/records")
            .first { $0.hasSuffix(".jsonl") }!), encoding: .utf8).utf8.count
        #expect(newBytes * 4 < oldBytes * 3, "\(newBytes) bytes with shared, \(oldBytes) before")

        let sightings = try EntryLayoutComparison.verifiedSameSightings(new: new.path, old: old.path, publicKey: key.publicKey, records: newBodies.count)
        #expect(sightings.count == 7 + 6 + 1 + 2)
        #expect(sightings.filter { $0.joined().contains("4267387837") }.count == 7 + 6 + 1)

        let queries = [RecordQuery.pid(303, at: nil), .pid(310, at: nil), .pid(305, at: entries.started[3].life.lastSeen),
                       .pandaID("4267387837"), .pid(120, at: nil)]
        try EntryLayoutComparison.expectSameAnswers(queries, new: (new.path, newKey), old: (old.path, oldKey))
        let answer = try IndexReader(directory: new.path).run(.pandaID("4267387837"))
        let ended = QueryAnswer(unverified: answer, directory: new.path).jobs.first?.processes.filter { $0.exitRecorded != nil }
        #expect(ended?.count == 7, "every exit of the job is found: \(ended?.map(\.identity.pid) ?? [])")

        // A central store takes the same facts from either line (Foundation's decoder).
        _ = try EntryLayoutComparison.sameLineFacts(new: new.path, old: old.path)
    }
}
