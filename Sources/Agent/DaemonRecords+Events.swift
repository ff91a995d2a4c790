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
/// Each entry's members are written in canonical key order (RFC 8785: CanonicalJSON then checks
/// the order in one pass instead of sorting a few thousand members a record), and the job's
/// values shared by every entry are built once a record.
extension DaemonRecords {
    /// `process`: processes of one job the events saw start since the last cycle, ended or not.
    public static func eventProcesses<Entries: Collection>(_ entries: Entries) -> RecordBody where Entries.Element == EventAttributor.Entry {
        var shared = EventJobValues()
        var values: [JSONValue] = []
        values.reserveCapacity(entries.count)
        for entry in entries { values.append(eventEntry(entry, job: shared.values(for: entry.process), life: true, exit: false)) }
        return RecordBody(type: .process, members: [JSONMember("processes", .array(values))])
    }

    /// `exit`: processes of one job whose end the events saw and no sample recorded: identity,
    /// attribution, wait status and reaper, and the whole life again of those that exec'd after
    /// their `process` entry (`execsSinceEntry`), so that no exec is left unrecorded.
    public static func eventExits<Entries: Collection>(_ entries: Entries) -> RecordBody where Entries.Element == EventAttributor.Entry {
        var shared = EventJobValues()
        var values: [JSONValue] = []
        values.reserveCapacity(entries.count)
        for entry in entries { values.append(eventEntry(entry, job: shared.values(for: entry.process), life: entry.execsSinceEntry, exit: true)) }
        return RecordBody(type: .exit, members: [JSONMember("processes", .array(values))])
    }

    /// One entry, members in canonical key order: `life` adds what the events saw of the process
    /// (execs, ids, namespaces), `exit` its end.
    private static func eventEntry(_ entry: EventAttributor.Entry, job: EventJobValues.Values, life full: Bool, exit withExit: Bool) -> JSONValue {
        let process = entry.process, life = entry.life
        let last = life.execs.last
        let exit = withExit ? life.exit : nil
        var members: [JSONMember] = []
        members.reserveCapacity(31)
        members.append(JSONMember("boot_id", .string(process.identity.bootID)))
        if full { members.append(JSONMember("cgroup_id", integer(life.cgroupID))) }
        if full { members.append(JSONMember("cmdline", last.map { .array($0.arguments.map(JSONValue.string)) } ?? .null)) }
        members.append(JSONMember("comm", .string(life.comm)))
        members.append(JSONMember("container", job.container))
        if full {
            members.append(JSONMember("escaped", life.escaped.map(JSONValue.string) ?? .null))
            members.append(JSONMember("exe", last.map { .string($0.filename) } ?? .null))
            members.append(JSONMember("exec_count", integer(life.execCount)))
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
            members.append(JSONMember("exit_code", exit.map { integer(($0.status >> 8) & 0xff) } ?? .null))
            members.append(JSONMember("exit_signal", exit.map { integer($0.status & 0x7f) } ?? .null))
        }
        members.append(JSONMember("first_seen", .string(process.firstSeen.description)))
        if full { members.append(JSONMember("gids", .array(life.gids.map(integer)))) }
        members.append(JSONMember("last_seen", .string(process.lastSeen.description)))
        if full {
            // NamespaceKind.allCases is in key order.
            members.append(JSONMember("ns", .object(NamespaceKind.allCases.map { kind in
                JSONMember(kind.rawValue, life.namespaces[kind].map(integer) ?? .null)
            })))
        }
        members.append(JSONMember("panda_id", job.pandaID))
        members.append(JSONMember("pid", integer(process.identity.pid)))
        members.append(JSONMember("pilot", job.pilot))
        if full { members.append(JSONMember("ppid", integer(life.parent.pid))) }
        if withExit { members.append(JSONMember("reaper_pid", exit.map { integer($0.reaper) } ?? .null)) }
        members.append(JSONMember("role", job.role))
        members.append(JSONMember("seen_by", .string("event")))
        if full { members.append(JSONMember("sid", integer(life.sid))) }
        members.append(JSONMember("start_ticks", integer(process.identity.startTicks)))
        members.append(JSONMember("start_time", .string(life.startTime.description)))
        members.append(JSONMember("task_id", job.taskID))
        members.append(JSONMember("uid", life.uids.count > 1 ? integer(life.uids[1]) : .null))
        if full { members.append(JSONMember("uids", .array(life.uids.map(integer)))) }
        return .object(members)
    }

    /// The attribution values of a job's entries (role, PanDA and task ID, container, pilot),
    /// built once for a run of entries of the same job rather than once per entry.
    private struct EventJobValues {
        struct Values {
            var role: JSONValue
            var pandaID: JSONValue
            var taskID: JSONValue
            var container: JSONValue
            var pilot: JSONValue
        }

        /// The attribution the last values were built for, field by field (compared in place,
        /// without copying a process a call).
        private var role: ProcessRole?
        private var pandaID: String?
        private var taskID: String?
        private var pilot: ProcessIdentity?
        private var container: ContainerInfo?
        private var last: Values?

        mutating func values(for process: TrackedProcess) -> Values {
            if let last, role == process.role, pandaID == process.pandaID, taskID == process.taskID, pilot == process.pilot,
               container == process.container {
                return last
            }
            let members = Dictionary(uniqueKeysWithValues: DaemonRecords.attribution(process).map { ($0.key, $0.value) })
            let values = Values(role: members["role"] ?? .null, pandaID: members["panda_id"] ?? .null, taskID: members["task_id"] ?? .null,
                                container: members["container"] ?? .null, pilot: members["pilot"] ?? .null)
            (role, pandaID, taskID, pilot, container, last) = (process.role, process.pandaID, process.taskID, process.pilot, process.container, values)
            return values
        }
    }
}
