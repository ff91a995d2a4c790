import Records

/// The facts a record's process objects and audit state, read from its values as the index reads
/// them (pid and start_ticks required, PanDA and task IDs given as numbers read as their decimal
/// text, null or absent as nil, an absent `ns` all nil, a pilot's null start_ticks nil): the
/// reference the writers' typed facts (`RecordBody.processFacts`, `auditFacts`) are held to, and
/// what the index benchmark hands over for records read from lines.
public enum StatedFacts {
    /// One process object; nil when it is not a process the index reads.
    public static func process(_ value: JSONValue) -> ProcessFacts? {
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

    /// Every process object a body states, in body order (`process`, then each of `processes`,
    /// with the members of the record's `shared` object it does not have: `SharedEntryMembers`).
    public static func processes(of members: [JSONMember]) -> [ProcessFacts]? {
        var facts: [ProcessFacts] = []
        let entries = SharedEntryMembers.entries(of: members)
        for member in members {
            switch (member.key, member.value) {
            case ("process", let value):
                guard let one = process(value) else { return nil }
                facts.append(one)
            case ("processes", .array):
                for value in entries ?? [] {
                    guard let one = process(value) else { return nil }
                    facts.append(one)
                }
            default:
                continue
            }
        }
        return facts
    }

    /// An AUDIT object; nil when it is not one the index reads.
    public static func audit(_ value: JSONValue) -> AuditFacts? {
        guard case .object = value, case .array(let jobValues)? = value["jobs"] else { return nil }
        var jobs: [AuditFacts.Job] = []
        for job in jobValues {
            guard let pandaID = lenient(job["panda_id"]), let processes = optionalArray(job["processes"], process),
                  let pilot = optional(job["pilot"], process), let wrapper = optional(job["pilot_wrapper"], process),
                  let findings = optionalArray(job["findings"], finding) else { return nil }
            var failingRules: [String]?
            if case .array(let rules)? = job["failing_rules"] { failingRules = rules.map { $0.stringValue! } }
            jobs.append(AuditFacts.Job(
                pandaID: pandaID, taskID: lenient(job["task_id"]), isolated: job["isolated"].flatMap { if case .bool(let flag) = $0 { flag } else { nil } },
                failingRules: failingRules, pilot: pilot, pilotWrapper: wrapper, processes: processes ?? [],
                container: object(job["container"]).map { ProcessFacts.Container(runtime: text($0["runtime"]), image: text($0["image"])) },
                jobDirectory: text(job["job_directory"]),
                batchJobID: object(job["batch_job_id"]).map { AuditFacts.BatchJobID(variable: text($0["variable"]), value: text($0["value"])) },
                findings: findings))
        }
        guard let unattributed = optionalArray(value["unattributed"], process), let nodeFindings = optionalArray(value["node_findings"], finding) else {
            return nil
        }
        return AuditFacts(takenAt: text(value["taken_at"]), jobs: jobs, unattributed: unattributed, nodeFindings: nodeFindings)
    }

    private static func finding(_ value: JSONValue) -> AuditFacts.Finding? {
        guard case .object = value, let rule = text(value["rule"]), let status = text(value["status"]) else { return nil }
        let evidence = value["evidence"].flatMap { $0 == .null ? nil : $0 }
        return AuditFacts.Finding(rule: rule, status: status, severity: text(value["severity"]), pid: value["pid"]?.integerValue,
                                  message: text(value["message"]), evidence: evidence)
    }

    private static func text(_ value: JSONValue?) -> String? { value?.stringValue }

    private static func lenient(_ value: JSONValue?) -> String? { value?.stringValue ?? value?.integerValue.map(String.init) }

    private static func integers(_ value: JSONValue?) -> [Int64]? {
        guard case .array(let elements)? = value else { return nil }
        return elements.map { $0.integerValue! }
    }

    private static func object(_ value: JSONValue?) -> JSONValue? {
        guard let value, case .object = value else { return nil }
        return value
    }

    /// nil: not readable; .some(nil): null or absent.
    private static func optional<T>(_ value: JSONValue?, _ read: (JSONValue) -> T?) -> T?? {
        guard let value, value != .null else { return .some(nil) }
        return read(value).map { .some($0) }
    }

    private static func optionalArray<T>(_ value: JSONValue?, _ read: (JSONValue) -> T?) -> [T]?? {
        guard let value, value != .null else { return .some(nil) }
        guard case .array(let elements) = value else { return nil }
        var result: [T] = []
        for element in elements {
            guard let one = read(element) else { return nil }
            result.append(one)
        }
        return .some(result)
    }
}
