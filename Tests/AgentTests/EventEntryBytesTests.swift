@testable import Agent
import Base
import Jobs
import ProcFS
import Records
import TestSupport
import Testing

/// The event source's `process` and `exit` bodies, written as canonical bytes directly, give
/// exactly the lines their `JSONValue` trees give (built member by member, what all entries state
/// alike moved to `shared`, then canonicalized and signed), on entries with hostile argv, comm,
/// cwd, filenames and ids; read with `shared` they state what the layout before did; and they
/// hand the index the facts each entry states.
@Suite struct EventEntryBytesTests {
    /// The entries as built before the bytes were written directly (5f1ae22), as the reference.
    enum Before {
        static func body(_ entries: [EventAttributor.Entry], exit: Bool) -> RecordBody {
            RecordBody(type: exit ? .exit : .process, members: [JSONMember("processes", .array(entries.map { entry in
                entryValue(entry, life: !exit || entry.execsSinceEntry, exit: exit)
            }))])
        }

        static func entryValue(_ entry: EventAttributor.Entry, life full: Bool, exit withExit: Bool) -> JSONValue {
            let process = entry.process, life = entry.life
            let job = Dictionary(uniqueKeysWithValues: DaemonRecords.attribution(process).map { ($0.key, $0.value) })
            let integer = { (value: Int64) in DaemonRecords.integer(value) }
            let last = life.execs.last
            let exit = withExit ? life.exit : nil
            var members: [JSONMember] = []
            members.append(JSONMember("boot_id", .string(process.identity.bootID)))
            if full { members.append(JSONMember("cgroup_id", DaemonRecords.integer(life.cgroupID))) }
            if full { members.append(JSONMember("cmdline", last.map { .array($0.arguments.map(JSONValue.string)) } ?? .null)) }
            members.append(JSONMember("comm", .string(life.comm)))
            members.append(JSONMember("container", job["container"]!))
            if full {
                members.append(JSONMember("escaped", life.escaped.map(JSONValue.string) ?? .null))
                members.append(JSONMember("exe", last.map { .string($0.filename) } ?? .null))
                members.append(JSONMember("exec_count", integer(Int64(life.execCount))))
                members.append(JSONMember("execs", .array(life.execs.map { exec in
                    .object([
                        JSONMember("cmdline", .array(exec.arguments.map(JSONValue.string))),
                        JSONMember("cmdline_truncated", .bool(exec.truncated)),
                        JSONMember("cwd_name", .string(exec.cwdName)),
                        JSONMember("exe", .string(exec.filename)),
                        JSONMember("time", .string(exec.time.description)),
                    ])
                })))
            }
            if withExit {
                members.append(JSONMember("exit_code", exit.map { integer(Int64(($0.status >> 8) & 0xff)) } ?? .null))
                members.append(JSONMember("exit_signal", exit.map { integer(Int64($0.status & 0x7f)) } ?? .null))
            }
            members.append(JSONMember("first_seen", .string(process.firstSeen.description)))
            if full { members.append(JSONMember("gids", .array(life.gids.map { DaemonRecords.integer($0) }))) }
            members.append(JSONMember("last_seen", .string(process.lastSeen.description)))
            if full {
                members.append(JSONMember("ns", .object(NamespaceKind.allCases.map { kind in
                    JSONMember(kind.rawValue, life.namespaces[kind].map { DaemonRecords.integer($0) } ?? .null)
                })))
            }
            members.append(JSONMember("panda_id", job["panda_id"]!))
            members.append(JSONMember("pid", integer(Int64(process.identity.pid))))
            members.append(JSONMember("pilot", job["pilot"]!))
            if full { members.append(JSONMember("ppid", integer(Int64(life.parent.pid)))) }
            if withExit { members.append(JSONMember("reaper_pid", exit.map { integer(Int64($0.reaper)) } ?? .null)) }
            members.append(JSONMember("role", job["role"]!))
            members.append(JSONMember("seen_by", .string("event")))
            if full { members.append(JSONMember("sid", integer(Int64(life.sid)))) }
            members.append(JSONMember("start_ticks", DaemonRecords.integer(process.identity.startTicks)))
            members.append(JSONMember("start_time", .string(life.startTime.description)))
            members.append(JSONMember("task_id", job["task_id"]!))
            members.append(JSONMember("uid", life.uids.count > 1 ? DaemonRecords.integer(life.uids[1]) : .null))
            if full { members.append(JSONMember("uids", .array(life.uids.map { DaemonRecords.integer($0) }))) }
            return .object(members)
        }
    }

    /// The entries of `Before` with what all of them state alike moved to the record's `shared`
    /// object, member by member as values: the layout the writer makes (`EventEntryKeys`).
    enum Shared {
        static let candidates = ["boot_id", "cgroup_id", "cmdline", "comm", "container", "escaped", "exe", "exec_count", "exit_code",
                                 "exit_signal", "gids", "ns", "panda_id", "pilot", "ppid", "reaper_pid", "role", "seen_by", "sid", "task_id",
                                 "uid", "uids"]

        static func body(_ entries: [EventAttributor.Entry], exit: Bool) -> RecordBody {
            let values = entries.map { Before.entryValue($0, life: !exit || $0.execsSinceEntry, exit: exit) }
            let shared = candidates.filter { key in
                guard let first = values.first?[key] else { return false }
                return values.allSatisfy { $0[key] == first }
            }
            let own = values.map { value in JSONValue.object(value.objectMembers!.filter { !shared.contains($0.key) }) }
            var members = [JSONMember("processes", .array(own))]
            if let first = values.first {
                members.append(JSONMember("shared", .object(first.objectMembers!.filter { shared.contains($0.key) })))
            }
            return RecordBody(type: exit ? .exit : .process, members: members)
        }
    }

    static let hostile = ["", "a", "\"", "\\", "\\\"", "\u{0}", "\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1F}", "\u{7F}", "/", "caf\u{e9}", "e\u{301}",
                          "\u{2028}\u{2029}", "\u{1F602}", "\u{FB33}", "\u{FFFD}", "\u{10FFFF}", "}{\"pid\":1,", "--token=eyJhbGciOi",
                          "PanDA_Pilot-4267387837", "\\x80\\xff", "Reco_tf.py", String(repeating: "x\u{e9}\"", count: 300), "0:: /evil\n1:name=systemd:/x"]
    static let bigs: [UInt64] = [0, 1, 12_345, UInt64(JSONValue.maxExactInteger), UInt64(JSONValue.maxExactInteger) + 1, UInt64(Int64.max), .max]

    static func entry(_ generator: inout SplitMix64) -> EventAttributor.Entry {
        func text() -> String { (0..<Int.random(in: 1...3, using: &generator)).map { _ in hostile.randomElement(using: &generator)! }.joined() }
        func maybe() -> String? { Bool.random(using: &generator) ? nil : text() }
        func time() -> UTCTime { UTCTime(millisecondsSinceEpoch: Int64.random(in: -1_000_000...300_000_000_000_000, using: &generator)) }
        func big() -> UInt64 { bigs.randomElement(using: &generator)! }
        func id() -> UInt32 { [0, 1, 64902, .max].randomElement(using: &generator)! }
        func pid() -> Int32 { [0, 1, 4_194_304, .max, -1].randomElement(using: &generator)! }
        let identity = ProcessIdentity(bootID: text(), pid: pid(), startTicks: big())
        let roles: [ProcessRole] = [.pilot, .pilotWrapper, .pilotSide, .payload, .unattributed]
        let process = TrackedProcess(
            identity: identity, role: roles.randomElement(using: &generator)!, pandaID: maybe(), taskID: maybe(),
            pilot: Bool.random(using: &generator) ? nil : ProcessIdentity(bootID: text(), pid: pid(), startTicks: big()),
            container: Bool.random(using: &generator) ? nil : ContainerInfo(runtime: text(), process: text(), image: maybe()),
            startTime: time(), comm: text(), uid: id(), firstSeen: time(), lastSeen: time())
        var namespaces = NamespaceSet()
        for kind in NamespaceKind.allCases where Bool.random(using: &generator) { namespaces[kind] = big() }
        var life = ProcessLife(
            identity: identity, parent: ProcessIdentity(bootID: text(), pid: pid(), startTicks: big()), parentSeenAtFork: Bool.random(using: &generator),
            startTime: time(), firstSeen: time(), lastSeen: time(), ppid: pid(), sid: pid(),
            uids: (0..<[0, 1, 4].randomElement(using: &generator)!).map { _ in id() }, gids: (0..<[0, 2, 4].randomElement(using: &generator)!).map { _ in id() },
            namespaces: namespaces, cgroupID: big(), comm: text())
        life.execs = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
            ProcessLife.Exec(time: time(), filename: text(), arguments: (0..<Int.random(in: 0...6, using: &generator)).map { _ in text() },
                             truncated: Bool.random(using: &generator), cwdName: text(), sessionLeader: Bool.random(using: &generator))
        }
        life.execCount = life.execs.count + Int.random(in: 0...2, using: &generator)
        if Int.random(in: 0...3, using: &generator) > 0 {
            life.exit = ProcessLife.Exit(time: time(), status: [0, 256, 9, 0x7f00 | 0x80, -1].randomElement(using: &generator)!, reaper: pid())
        }
        if Bool.random(using: &generator) { life.escaped = text() }
        return EventAttributor.Entry(process: process, life: life, firstSight: Bool.random(using: &generator),
                                     execsSinceEntry: Bool.random(using: &generator))
    }

    static let key = RecordSigningKey()

    func line(_ body: RecordBody, before: Bool) throws -> [UInt8] {
        let record = Record(seq: 7, time: UTCTime(millisecondsSinceEpoch: 1_795_000_000_123),
                            node: RecordNode(hostname: "wn-042.example.org", bootID: "b", machineID: "m"),
                            prev: String(repeating: "ab", count: 32), keyID: Self.key.keyID, body: body)
        return before ? try RecordBytesTests.Before.line(record, key: Self.key) : try record.line(signedWith: Self.key)
    }

    @Test("times written from the last second's calendar part are UTCTime's description, before the epoch and beyond year 9999 too")
    func timeText() {
        var clock = DaemonRecords.TimeText()
        var generator = SplitMix64(seed: 2026_12_05_1735)
        var times: [Int64] = [0, -1, -999, -1_000, -1_001, 999, 1_000, 1_795_000_000_000, 1_795_000_000_999, 1_795_000_001_000,
                              253_402_300_799_999, 253_402_300_800_000, 253_402_300_800_001, -62_167_219_200_000, -62_167_219_200_001]
        for _ in 0..<2_000 {
            let base = Int64.random(in: -100_000_000_000...300_000_000_000_000, using: &generator)
            times += (0..<Int.random(in: 1...5, using: &generator)).map { _ in base + Int64.random(in: -1_500...1_500, using: &generator) }
        }
        for milliseconds in times {
            let time = UTCTime(millisecondsSinceEpoch: milliseconds)
            #expect(clock.text(time) == time.description, "\(milliseconds)")
        }
    }

    @Test("hostile entries: process and exit records are the lines their value trees gave, written canonical as they are")
    func hostileEntries() throws {
        var generator = SplitMix64(seed: 2026_12_05_1430)
        var sharedSome = 0, sharedLife = 0
        for round in 0..<150 {
            var entries = (0..<Int.random(in: 0...12, using: &generator)).map { _ in Self.entry(&generator) }
            // Entries of one job, as a record has them, in half of the rounds: much to share.
            if round % 2 == 0, let first = entries.first {
                for index in entries.indices {
                    entries[index].process.identity.bootID = first.process.identity.bootID
                    entries[index].process.role = first.process.role
                    entries[index].process.pandaID = first.process.pandaID
                    entries[index].process.taskID = first.process.taskID
                    entries[index].process.pilot = first.process.pilot
                    entries[index].process.container = first.process.container
                    if round % 4 == 0 || index % 3 != 2 {
                        entries[index].life.namespaces = first.life.namespaces
                        entries[index].life.uids = first.life.uids
                        entries[index].life.comm = first.life.comm
                    }
                }
            }
            for exit in [false, true] {
                let (json, shared, facts) = DaemonRecords.eventEntries(entries, entries.indices, exit: exit)
                // Canonical as written: signed as it is, never parsed and written again.
                #expect(CanonicalJSON.isCanonical(json), "round \(round), exit \(exit): \(String(decoding: json.prefix(400), as: UTF8.self))")
                #expect(shared.map(CanonicalJSON.isCanonical) ?? entries.isEmpty, "round \(round), exit \(exit)")
                let new = exit ? DaemonRecords.eventExits(entries) : DaemonRecords.eventProcesses(entries)
                // The daemon's form: the entries at some positions of a cycle's array, read in
                // place, give the record those entries alone give.
                var all: [EventAttributor.Entry] = []
                var positions: [Int] = []
                for entry in entries {
                    all.append(Self.entry(&generator))
                    positions.append(all.count)
                    all.append(entry)
                }
                all.append(Self.entry(&generator))
                let inPlace = exit ? DaemonRecords.eventExits(all, at: positions[...]) : DaemonRecords.eventProcesses(all, at: positions[...])
                #expect(try line(inPlace, before: false) == (try line(new, before: false)), "round \(round), exit \(exit)")
                #expect(inPlace.processFacts == new.processFacts)
                let reference = Shared.body(entries, exit: exit)
                let old = Before.body(entries, exit: exit)
                #expect(new.type == old.type)
                let expected = try line(reference, before: true)
                let written = try line(new, before: false)
                #expect(written == expected, "round \(round), exit \(exit)\n\(String(decoding: written, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
                // Read as a reader takes them (each entry with `shared`), they are the entries of
                // the layout before: the same statements, each still saying its job.
                guard case .array(let values)? = old.members.first?.value else { Issue.record("no processes"); continue }
                let merged = try SharedEntryMembers.entries(of: new.members).map { try CanonicalJSON.bytes(.array($0)) }
                #expect(merged == (try CanonicalJSON.bytes(.array(values))), "round \(round), exit \(exit)")
                if let common = new.members.first(where: { $0.key == "shared" })?.value.objectMembers, entries.count > 1 {
                    if common.count > 1 { sharedSome += 1 }
                    if common.contains(where: { $0.key == "ns" }) { sharedLife += 1 }
                    #expect(common.contains(JSONMember("seen_by", .string("event"))))
                }
                // The facts handed to the index, one per entry, are what each entry states; where
                // it says start_ticks null (beyond 2^53) the index reads the values instead.
                #expect(new.processFacts == facts && facts.count == values.count)
                #expect(StatedFacts.processes(of: new.members)?.count ?? values.count == values.count)
                for (value, fact) in zip(values, facts) {
                    if let stated = StatedFacts.process(value) {
                        #expect(fact == stated, "round \(round), exit \(exit)")
                    } else {
                        #expect(fact.startTicks.magnitude > UInt64(JSONValue.maxExactInteger), "round \(round), exit \(exit): \(fact)")
                    }
                }
            }
        }
        #expect(sharedSome > 50 && sharedLife > 10, "\(sharedSome) records shared attribution, \(sharedLife) namespaces")
    }
}
