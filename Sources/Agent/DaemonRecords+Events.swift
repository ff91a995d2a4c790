import Jobs
import ProcFS
import Records

/// The record bodies of the process event source: processes the events saw and no sample
/// recorded, all of one job in one record (`processes`, one PROCESS each, `seen_by: event`).
///
/// A process has a `process` entry at its first sight (what the events saw of it: the execs'
/// filenames and redacted first arguments, ids, namespaces, cgroup id, the attribution by
/// ancestry) and an `exit` entry at its end (identity, attribution, the wait status and who reaped
/// it), also when both fall in one cycle: issue 18 asks that short-lived processes get `process`
/// and `exit` records like sampled ones, so a reader of either kind misses none. An exit entry
/// repeats the life only when the process exec'd after its `process` entry was written.
///
/// The `processes` array is written as canonical JSON bytes directly (`CanonicalMember`, checked
/// in one pass), each entry's members in canonical key order: no tree of values a member to
/// build, sort and write again for thousands of entries a cycle. The bytes are those the same
/// entries made as `JSONValue`s and canonicalized gave (a test compares both).
extension DaemonRecords {
    /// `process`: processes of one job the events saw start since the last cycle, ended or not.
    public static func eventProcesses<Entries: Collection>(_ entries: Entries) -> RecordBody where Entries.Element == EventAttributor.Entry {
        let (json, facts) = eventEntries(entries, exit: false)
        return RecordBody(type: .process, canonicalMembers: [eventMember(json)], processFacts: facts)
    }

    /// `exit`: processes of one job whose end the events saw and no sample recorded: identity,
    /// attribution, wait status and reaper, and the whole life again of those that exec'd after
    /// their `process` entry (`execsSinceEntry`), so that no exec is left unrecorded.
    public static func eventExits<Entries: Collection>(_ entries: Entries) -> RecordBody where Entries.Element == EventAttributor.Entry {
        let (json, facts) = eventEntries(entries, exit: true)
        return RecordBody(type: .exit, canonicalMembers: [eventMember(json)], processFacts: facts)
    }

    private static func eventMember(_ json: [UInt8]) -> CanonicalMember {
        do {
            return try CanonicalMember("processes", json: json, of: "event entries")
        } catch {
            // The writer makes well-formed JSON of finite integers only.
            preconditionFailure("event entries are JSON: \(error)")
        }
    }

    /// The `processes` array of `process` entries (`exit` false) or `exit` entries, and what each
    /// entry states as the index reads it (`RecordBody.processFacts`, in the same order).
    static func eventEntries<Entries: Collection>(_ entries: Entries, exit: Bool) -> (json: [UInt8], facts: [ProcessFacts])
        where Entries.Element == EventAttributor.Entry
    {
        var json = JSONBytes(capacity: 256 + entries.count * (exit ? 512 : 1024))
        var facts: [ProcessFacts] = []
        facts.reserveCapacity(entries.count)
        json.beginArray()
        for entry in entries { facts.append(writeEventEntry(entry, life: !exit || entry.execsSinceEntry, exit: exit, &json)) }
        json.endArray()
        return (json.bytes, facts)
    }

    /// One entry, members in canonical key order: `life` adds what the events saw of the process
    /// (execs, ids, namespaces), `exit` its end. Integers as `integer(_:)` makes them (null beyond
    /// 2^53 - 1), strings escaped as `CanonicalJSON` escapes them. Returns what it states (`eventFacts`).
    private static func writeEventEntry(_ entry: EventAttributor.Entry, life full: Bool, exit withExit: Bool, _ json: inout JSONBytes) -> ProcessFacts {
        let process = entry.process, life = entry.life
        let last = life.execs.last
        let exit = withExit ? life.exit : nil
        let firstSeen = process.firstSeen.description, lastSeen = process.lastSeen.description, startTime = life.startTime.description
        json.beginObject()
        json.key("boot_id"); json.string(process.identity.bootID)
        if full { json.key("cgroup_id"); exact(life.cgroupID, &json) }
        if full {
            json.key("cmdline")
            if let last { json.strings(last.arguments) } else { json.null() }
        }
        json.key("comm"); json.string(life.comm)
        json.key("container"); writeContainer(process.container, &json)
        if full {
            json.key("escaped"); json.string(life.escaped)
            json.key("exe"); json.string(last?.filename)
            json.key("exec_count"); exact(life.execCount, &json)
            json.key("execs")
            json.beginArray()
            for exec in life.execs {
                json.beginObject()
                json.key("cmdline"); json.strings(exec.arguments)
                json.key("cmdline_truncated"); json.bool(exec.truncated)
                json.key("cwd_name"); json.string(exec.cwdName)
                json.key("exe"); json.string(exec.filename)
                json.key("time"); json.string(exec.time.description)
                json.endObject()
            }
            json.endArray()
        }
        if withExit {
            json.key("exit_code")
            if let exit { exact((exit.status >> 8) & 0xff, &json) } else { json.null() }
            json.key("exit_signal")
            if let exit { exact(exit.status & 0x7f, &json) } else { json.null() }
        }
        json.key("first_seen"); json.string(firstSeen)
        if full {
            json.key("gids"); json.beginArray()
            for gid in life.gids { exact(gid, &json) }
            json.endArray()
        }
        json.key("last_seen"); json.string(lastSeen)
        if full {
            json.key("ns")
            json.beginObject()
            for kind in namespaceKinds {
                json.key(kind.rawValue)
                if let inode = life.namespaces[kind] { exact(inode, &json) } else { json.null() }
            }
            json.endObject()
        }
        json.key("panda_id"); json.string(process.pandaID)
        json.key("pid"); json.integer(Int64(process.identity.pid))
        json.key("pilot")
        if let pilot = process.pilot {
            json.beginObject()
            json.key("boot_id"); json.string(pilot.bootID)
            json.key("pid"); json.integer(Int64(pilot.pid))
            json.key("start_ticks"); exact(pilot.startTicks, &json)
            json.endObject()
        } else {
            json.null()
        }
        if full { json.key("ppid"); json.integer(Int64(life.parent.pid)) }
        if withExit {
            json.key("reaper_pid")
            if let exit { json.integer(Int64(exit.reaper)) } else { json.null() }
        }
        json.key("role"); json.string(process.role.rawValue)
        json.key("seen_by"); json.string("event")
        if full { json.key("sid"); json.integer(Int64(life.sid)) }
        json.key("start_ticks"); exact(process.identity.startTicks, &json)
        json.key("start_time"); json.string(startTime)
        json.key("task_id"); json.string(process.taskID)
        json.key("uid")
        if life.uids.count > 1 { exact(life.uids[1], &json) } else { json.null() }
        if full {
            json.key("uids"); json.beginArray()
            for uid in life.uids { exact(uid, &json) }
            json.endArray()
        }
        json.endObject()
        return eventFacts(entry, life: full, startTime: startTime, firstSeen: firstSeen, lastSeen: lastSeen)
    }

    /// What an entry states as the index reads it (`ProcessFacts`), from the same values:
    /// `life` entries their ids, argv, exe and namespaces too; an integer the record says as null
    /// (beyond 2^53 - 1) is nil, but `start_ticks`, which the facts cannot leave out: the index
    /// then reads the record's values (`RecordedProcess(handedOver:)`).
    private static func eventFacts(_ entry: EventAttributor.Entry, life full: Bool, startTime: String, firstSeen: String, lastSeen: String) -> ProcessFacts {
        let process = entry.process, life = entry.life
        let last = full ? life.execs.last : nil
        var namespaces = ProcessFacts.Namespaces()
        if full {
            func inode(_ kind: NamespaceKind) -> Int64? { life.namespaces[kind].flatMap(exactInteger) }
            namespaces = ProcessFacts.Namespaces(cgroup: inode(.cgroup), ipc: inode(.ipc), mnt: inode(.mnt), net: inode(.net), pid: inode(.pid),
                                                 pidForChildren: inode(.pidForChildren), time: inode(.time), user: inode(.user), uts: inode(.uts))
        }
        return ProcessFacts(
            pid: Int64(process.identity.pid), startTicks: Int64(clamping: process.identity.startTicks), startTime: startTime,
            bootID: process.identity.bootID, uid: life.uids.count > 1 ? Int64(life.uids[1]) : nil,
            uids: full ? life.uids.map(Int64.init) : nil, gids: full ? life.gids.map(Int64.init) : nil,
            cmdline: last?.arguments, exe: last?.filename, cgroup: nil, namespaces: namespaces,
            pandaID: process.pandaID, taskID: process.taskID,
            container: process.container.map { ProcessFacts.Container(runtime: $0.runtime, image: $0.image) },
            firstSeen: firstSeen, lastSeen: lastSeen, role: process.role.rawValue,
            pilot: process.pilot.map { ProcessFacts.Identity(bootID: $0.bootID, pid: Int64($0.pid), startTicks: exactInteger($0.startTicks)) })
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
