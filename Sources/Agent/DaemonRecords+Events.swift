import Base
import Jobs
import ProcFS
import Records

/// The record bodies of the process event source: processes the events saw and no sample
/// recorded, all of one job in one record (`processes`, one PROCESS each, `seen_by: event`).
///
/// A process has a `process` entry at its first sight (what the events saw of it: the execs'
/// filenames and redacted first arguments, ids, namespaces, cgroup id, the attribution by
/// ancestry) and an `exit` entry at its end (identity, the wait status and who reaped it), also
/// when both fall in one cycle: issue 18 asks that short-lived processes get `process` and `exit`
/// records like sampled ones, so a reader of either kind misses none. An exit entry repeats the
/// life only when the process exec'd after its `process` entry was written.
///
/// What every entry of a record states alike is stated once, in the record's `shared` object
/// (`SharedEntryMembers`): always `seen_by`, and the job's attribution (`role`, `panda_id`,
/// `task_id`, `pilot`, `container`, `boot_id`) and whichever of the other members
/// (`EventEntryKeys`) have one value in all of them, e.g. the namespaces, ids and parent of a
/// payload's loop. An entry states its own members only (identity, times, execs, and what
/// differs); a reader takes an entry as its members plus `shared`'s. The line stays a record of
/// each process and its job on its own.
///
/// The `processes` array and `shared` are written as canonical JSON bytes directly
/// (`CanonicalMember(_:canonical:)`, not checked again: a test checks them), each object's members
/// in canonical key order: no tree of values a member to build, sort and write again for
/// thousands of entries a cycle. The bytes are those the same entries made as `JSONValue`s and
/// canonicalized gave (a test compares both).
extension DaemonRecords {
    /// `process`: processes of one job the events saw start since the last cycle, ended or not:
    /// the entries at `positions` of `entries` (all of them when nil), read in place, none copied.
    public static func eventProcesses(_ entries: [EventAttributor.Entry], at positions: ArraySlice<Int>? = nil) -> RecordBody {
        eventBody(entries, positions ?? ArraySlice(entries.indices), exit: false)
    }

    /// `exit`: processes of one job whose end the events saw and no sample recorded: identity,
    /// wait status and reaper, and the whole life again of those that exec'd after their
    /// `process` entry (`execsSinceEntry`), so that no exec is left unrecorded. The entries at
    /// `positions` of `entries` (all of them when nil), read in place, none copied.
    public static func eventExits(_ entries: [EventAttributor.Entry], at positions: ArraySlice<Int>? = nil) -> RecordBody {
        eventBody(entries, positions ?? ArraySlice(entries.indices), exit: true)
    }

    private static func eventBody(_ entries: [EventAttributor.Entry], _ positions: ArraySlice<Int>, exit: Bool) -> RecordBody {
        let written = eventEntries(entries, positions, exit: exit)
        var members = [CanonicalMember("processes", canonical: written.json)]
        if let shared = written.shared { members.append(CanonicalMember(SharedEntryMembers.key, canonical: shared)) }
        return RecordBody(type: exit ? .exit : .process, canonicalMembers: members, processFacts: written.facts)
    }

    /// The `processes` array of `process` entries (`exit` false) or `exit` entries of the entries
    /// at `positions`, the `shared` object of what they all state alike (nil without entries),
    /// and what each entry states as the index reads it, `shared` included
    /// (`RecordBody.processFacts`, in the same order). The entries are read in place: a copy of
    /// one retains and releases each of its strings and arrays.
    static func eventEntries<Positions: Collection>(_ entries: [EventAttributor.Entry], _ positions: Positions, exit: Bool)
        -> (json: [UInt8], shared: [UInt8]?, facts: [ProcessFacts]) where Positions.Element == Int
    {
        // Read through the buffer, each entry by its address: an entry passed as a value (an
        // array's or a buffer's subscript) was copied whole for each function it was handed to,
        // every string and array of it retained and released again (two copies an entry).
        entries.withUnsafeBufferPointer { eventEntries($0, positions, exit: exit) }
    }

    private static func eventEntries<Positions: Collection>(_ list: UnsafeBufferPointer<EventAttributor.Entry>, _ positions: Positions, exit: Bool)
        -> (json: [UInt8], shared: [UInt8]?, facts: [ProcessFacts]) where Positions.Element == Int
    {
        var shared: EventEntryKeys = []
        guard let first = positions.first else { return (Array("[]".utf8), nil, []) }
        for index in positions {
            let keys = EventEntryKeys.stated(life: !exit || list[index].execsSinceEntry, exit: exit)
            if index == first {
                shared = keys
            } else {
                shared.formIntersection(keys)
                if !shared.isEmpty { shared.subtract(EventEntryKeys.differing(list.baseAddress! + first, list.baseAddress! + index, among: shared)) }
            }
        }
        var clock = TimeText()
        var sharedJSON: [UInt8]?
        do {
            var json = JSONBytes(capacity: 1024)
            writeMembers(list.baseAddress! + first, keys: shared, own: nil, life: !exit || list[first].execsSinceEntry, exit: exit, &clock, &json)
            sharedJSON = json.bytes
        }
        var json = JSONBytes(capacity: 256 + positions.count * (exit ? 192 : 512))
        var facts: [ProcessFacts] = []
        facts.reserveCapacity(positions.count)
        var ids = FactIDs()
        json.beginArray()
        for index in positions {
            let full = !exit || list[index].execsSinceEntry
            let entry = list.baseAddress! + index
            let times = EntryTimes(entry, &clock)
            writeMembers(entry, keys: EventEntryKeys.stated(life: full, exit: exit).subtracting(shared), own: times, life: full, exit: exit, &clock, &json)
            facts.append(eventFacts(entry, life: full, times: times, &ids))
        }
        json.endArray()
        return (json.bytes, sharedJSON, facts)
    }

    /// An entry's times as it states them (written once, for its JSON and its facts).
    private struct EntryTimes {
        var firstSeen: String
        var lastSeen: String
        var startTime: String

        init(_ entry: UnsafePointer<EventAttributor.Entry>, _ clock: inout TimeText) {
            firstSeen = clock.text(entry.pointee.process.firstSeen)
            lastSeen = clock.text(entry.pointee.process.lastSeen)
            startTime = clock.text(entry.pointee.life.startTime)
        }
    }

    /// `UTCTime.description`, the calendar part of the last second kept: the entries of a cycle
    /// fall in a few seconds, and only their milliseconds need writing.
    struct TimeText {
        private var second = Int64.min
        private var prefix: [UInt8] = []
        /// The last texts made, by millisecond: an entry's times are asked in turn (first seen,
        /// last seen, start), and neighbouring entries share them (a start time has the clock
        /// tick's 10 ms, a payload's loop forks several processes a millisecond).
        private var recent: [(milliseconds: Int64, text: String)] = []
        private var nextRecent = 0
        private static let recentCount = 4

        mutating func text(_ time: UTCTime) -> String {
            let milliseconds = time.millisecondsSinceEpoch
            for slot in recent.indices where recent[slot].milliseconds == milliseconds { return recent[slot].text }
            let made = make(time)
            if recent.count < Self.recentCount {
                recent.append((milliseconds, made))
            } else {
                recent[nextRecent] = (milliseconds, made)
                nextRecent = (nextRecent + 1) % Self.recentCount
            }
            return made
        }

        private mutating func make(_ time: UTCTime) -> String {
            let milliseconds = time.millisecondsSinceEpoch
            let second = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
            if second != self.second {
                let full = time.description
                // The usual form, YYYY-MM-DDTHH:MM:SS.mmmZ; another (years beyond 9999) is not kept.
                guard full.utf8.count == 24 else { return full }
                self.second = second
                prefix = Array(full.utf8.prefix(20))
                return full
            }
            let fraction = Int(milliseconds - second * 1000)
            return String(unsafeUninitializedCapacity: 24) { text in
                fill(text.baseAddress!, fraction)
                return 24
            }
        }

        /// `text(time)` written as a JSON string value, with no String made when the second is
        /// the last one's (the text needs no escape: digits, `-`, `:`, `T`, `.` and `Z`).
        mutating func write(_ time: UTCTime, _ json: inout JSONBytes) {
            let milliseconds = time.millisecondsSinceEpoch
            let second = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
            guard second == self.second else { return json.string(text(time)) }
            let fraction = Int(milliseconds - second * 1000)
            var quoted: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // room for 26 bytes
            withUnsafeMutableBytes(of: &quoted) { raw in
                let bytes = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                bytes[0] = UInt8(ascii: "\"")
                fill(bytes + 1, fraction)
                bytes[25] = UInt8(ascii: "\"")
                json.rawValue(UnsafeRawBufferPointer(start: raw.baseAddress, count: 26))
            }
        }

        /// The 24 bytes of the kept second with `fraction` milliseconds.
        @inline(__always)
        private func fill(_ text: UnsafeMutablePointer<UInt8>, _ fraction: Int) {
            for index in 0..<20 { text[index] = prefix[index] }
            text[20] = UInt8(truncatingIfNeeded: 48 + fraction / 100)
            text[21] = UInt8(truncatingIfNeeded: 48 + fraction / 10 % 10)
            text[22] = UInt8(truncatingIfNeeded: 48 + fraction % 10)
            text[23] = UInt8(ascii: "Z")
        }
    }

    /// One object, members in canonical key order: of the members an entry may share
    /// (`EventEntryKeys`) those in `keys`, and with `own` the entry's own ones (identity, times
    /// and, with `life`, its execs). `life` adds what the events saw of the process (execs, ids,
    /// namespaces), `exit` its end. Integers as `integer(_:)` makes them (null beyond 2^53 - 1),
    /// strings escaped as `CanonicalJSON` escapes them.
    private static func writeMembers(_ entry: UnsafePointer<EventAttributor.Entry>, keys: EventEntryKeys, own times: EntryTimes?, life full: Bool, exit withExit: Bool,
                                     _ clock: inout TimeText, _ json: inout JSONBytes) {
        // Each member read where it is (`entry.pointee.…`): no copy of the whole process or life.
        let last = entry.pointee.life.execs.last
        let exit = withExit ? entry.pointee.life.exit : nil
        let own = times != nil
        json.beginObject()
        if keys.contains(.bootID) { json.key("boot_id"); json.string(entry.pointee.process.identity.bootID) }
        if keys.contains(.cgroupID) { json.key("cgroup_id"); exact(entry.pointee.life.cgroupID, &json) }
        if keys.contains(.cmdline) {
            json.key("cmdline")
            if let last { json.strings(last.arguments) } else { json.null() }
        }
        if keys.contains(.comm) { json.key("comm"); json.string(entry.pointee.life.comm) }
        if keys.contains(.container) { json.key("container"); writeContainer(entry.pointee.process.container, &json) }
        if keys.contains(.escaped) { json.key("escaped"); json.string(entry.pointee.life.escaped) }
        if keys.contains(.exe) { json.key("exe"); json.string(last?.filename) }
        if keys.contains(.execCount) { json.key("exec_count"); exact(entry.pointee.life.execCount, &json) }
        if own && full {
            json.key("execs")
            json.beginArray()
            for exec in entry.pointee.life.execs {
                json.beginObject()
                json.key("cmdline"); json.strings(exec.arguments)
                json.key("cmdline_truncated"); json.bool(exec.truncated)
                json.key("cwd_name"); json.string(exec.cwdName)
                json.key("exe"); json.string(exec.filename)
                json.key("time"); clock.write(exec.time, &json)
                json.endObject()
            }
            json.endArray()
        }
        if keys.contains(.exitCode) {
            json.key("exit_code")
            if let exit { exact((exit.status >> 8) & 0xff, &json) } else { json.null() }
        }
        if keys.contains(.exitSignal) {
            json.key("exit_signal")
            if let exit { exact(exit.status & 0x7f, &json) } else { json.null() }
        }
        if let times { json.key("first_seen"); json.string(times.firstSeen) }
        if keys.contains(.gids) {
            json.key("gids"); json.beginArray()
            for gid in entry.pointee.life.gids { exact(gid, &json) }
            json.endArray()
        }
        if let times { json.key("last_seen"); json.string(times.lastSeen) }
        if keys.contains(.ns) {
            json.key("ns")
            json.beginObject()
            for kind in namespaceKinds {
                json.key(kind.rawValue)
                if let inode = entry.pointee.life.namespaces[kind] { exact(inode, &json) } else { json.null() }
            }
            json.endObject()
        }
        if keys.contains(.pandaID) { json.key("panda_id"); json.string(entry.pointee.process.pandaID) }
        if own { json.key("pid"); json.integer(Int64(entry.pointee.process.identity.pid)) }
        if keys.contains(.pilot) {
            json.key("pilot")
            if let pilot = entry.pointee.process.pilot {
                json.beginObject()
                json.key("boot_id"); json.string(pilot.bootID)
                json.key("pid"); json.integer(Int64(pilot.pid))
                json.key("start_ticks"); exact(pilot.startTicks, &json)
                json.endObject()
            } else {
                json.null()
            }
        }
        if keys.contains(.ppid) { json.key("ppid"); json.integer(Int64(entry.pointee.life.parent.pid)) }
        if keys.contains(.reaperPID) {
            json.key("reaper_pid")
            if let exit { json.integer(Int64(exit.reaper)) } else { json.null() }
        }
        if keys.contains(.role) { json.key("role"); json.string(entry.pointee.process.role.rawValue) }
        if keys.contains(.seenBy) { json.key("seen_by"); json.string("event") }
        if keys.contains(.sid) { json.key("sid"); json.integer(Int64(entry.pointee.life.sid)) }
        if let times {
            json.key("start_ticks"); exact(entry.pointee.process.identity.startTicks, &json)
            json.key("start_time"); json.string(times.startTime)
        }
        if keys.contains(.taskID) { json.key("task_id"); json.string(entry.pointee.process.taskID) }
        if keys.contains(.uid) {
            json.key("uid")
            if entry.pointee.life.uids.count > 1 { exact(entry.pointee.life.uids[1], &json) } else { json.null() }
        }
        if keys.contains(.uids) {
            json.key("uids"); json.beginArray()
            for uid in entry.pointee.life.uids { exact(uid, &json) }
            json.endArray()
        }
        json.endObject()
    }

    /// What an entry states as the index reads it (`ProcessFacts`), from the same values:
    /// `life` entries their ids, argv, exe and namespaces too; an integer the record says as null
    /// (beyond 2^53 - 1) is nil, but `start_ticks`, which the facts cannot leave out: the index
    /// then reads the record's values (`RecordedProcess(handedOver:)`).
    private static func eventFacts(_ entry: UnsafePointer<EventAttributor.Entry>, life full: Bool, times: EntryTimes, _ ids: inout FactIDs) -> ProcessFacts {
        let last = full ? entry.pointee.life.execs.last : nil
        var namespaces = ProcessFacts.Namespaces()
        if full {
            func inode(_ kind: NamespaceKind) -> Int64? { entry.pointee.life.namespaces[kind].flatMap(exactInteger) }
            namespaces = ProcessFacts.Namespaces(cgroup: inode(.cgroup), ipc: inode(.ipc), mnt: inode(.mnt), net: inode(.net), pid: inode(.pid),
                                                 pidForChildren: inode(.pidForChildren), time: inode(.time), user: inode(.user), uts: inode(.uts))
        }
        return ProcessFacts(
            pid: Int64(entry.pointee.process.identity.pid), startTicks: Int64(clamping: entry.pointee.process.identity.startTicks), startTime: times.startTime,
            bootID: entry.pointee.process.identity.bootID, uid: entry.pointee.life.uids.count > 1 ? Int64(entry.pointee.life.uids[1]) : nil,
            uids: full ? ids.uids(entry.pointee.life.uids) : nil, gids: full ? ids.gids(entry.pointee.life.gids) : nil,
            cmdline: last?.arguments, exe: last?.filename, cgroup: nil, namespaces: namespaces,
            pandaID: entry.pointee.process.pandaID, taskID: entry.pointee.process.taskID,
            container: entry.pointee.process.container.map { ProcessFacts.Container(runtime: $0.runtime, image: $0.image) },
            firstSeen: times.firstSeen, lastSeen: times.lastSeen, role: entry.pointee.process.role.rawValue,
            pilot: entry.pointee.process.pilot.map { ProcessFacts.Identity(bootID: $0.bootID, pid: Int64($0.pid), startTicks: exactInteger($0.startTicks)) })
    }

    /// The facts' uids and gids as Int64s, the last ones made kept: the processes of a record
    /// (a payload's loop) have the same ids, and share one array instead of two new ones each.
    private struct FactIDs {
        private var uidSource: [UInt32] = [], uidValues: [Int64] = []
        private var gidSource: [UInt32] = [], gidValues: [Int64] = []

        mutating func uids(_ ids: [UInt32]) -> [Int64] {
            if ids != uidSource {
                uidSource = ids
                uidValues = ids.map(Int64.init)
            }
            return uidValues
        }

        mutating func gids(_ ids: [UInt32]) -> [Int64] {
            if ids != gidSource {
                gidSource = ids
                gidValues = ids.map(Int64.init)
            }
            return gidValues
        }
    }

    /// The namespace kinds, in key order (made once: `allCases` builds an array each use).
    private static let namespaceKinds = NamespaceKind.allCases

    /// `container` as `attribution(_:)` states it.
    private static func writeContainer(_ info: ContainerInfo?, _ json: inout JSONBytes) {
        guard let info else { return json.null() }
        json.beginObject()
        json.key("image"); json.string(info.image)
        json.key("process"); json.string(info.process)
        json.key("runtime"); json.string(info.runtime)
        json.endObject()
    }

    /// An integer as `integer(_:)` states it: clamped to Int64, null beyond ±(2^53 - 1).
    @inline(__always)
    private static func exact<T: BinaryInteger>(_ value: T, _ json: inout JSONBytes) {
        if let exact = exactInteger(value) { json.integer(exact) } else { json.null() }
    }

    /// The integer `integer(_:)` states, or nil where it states null.
    @inline(__always)
    private static func exactInteger<T: BinaryInteger>(_ value: T) -> Int64? {
        let clamped = Int64(clamping: value)
        return clamped.magnitude <= UInt64(JSONValue.maxExactInteger) ? clamped : nil
    }
}
