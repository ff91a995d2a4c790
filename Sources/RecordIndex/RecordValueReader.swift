import Records

/// Reads what the index takes from a record the writer has just signed (`Record.unsigned`)
/// straight from its values: the same `IndexedEnvelope` as decoding it (`RecordLine.decode`
/// through `JSONValueDecoder`), in one pass over each object's members, without a decoder.
///
/// Strict: nil whenever decoding could answer anything else, so that the ingester then decodes
/// the record and gets the same values or the same reason it is not indexed. That is, whenever
/// a member the decoders read is missing where required, of another type, a number that is not
/// an exact integer where one is read, or the record's type is unknown. Members are matched by
/// their bytes and the first of two with one name is taken, as `JSONValueDecoder` does; other
/// members are not looked at. A finding's evidence stays the writer's value
/// (`FindingEvidence.value`): the ingester writes its text from it.
enum RecordValueReader {
    static func envelope(_ value: JSONValue) -> IndexedEnvelope? {
        try? read(value)
    }

    private static func read(_ value: JSONValue) throws(Irregular) -> IndexedEnvelope {
        let members = try object(value)
        var seq: Int64?, type: RecordType?, time: String?, node: RecordNode?
        var body = IndexedBody()
        var processes: JSONValue?, shared: JSONValue?
        let keys = Keys.envelope
        var seen = Seen()
        for member in members {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            let value = member.value
            switch slot {
            case 0: _ = try optionalInteger(value)  // v
            case 1: type = try RecordType(rawValue: string(value)).orIrregular()
            case 2: seq = try integer(value)
            case 3: time = try string(value)
            case 4: node = try optional(value, recordNode)
            case 5: _ = try optionalString(value)  // key_id
            case 6: body.audit = try optional(value, audit)
            case 7: body.process = try optional(value, process)
            case 8: processes = value
            case 9: body.pandaID = try optionalLenient(value).map { LenientString(value: $0) }
            case 10: body.finding = try optional(value, finding)
            default: shared = value
            }
        }
        if let processes {
            // An entry is its members plus the `shared` ones it does not have (`SharedEntryMembers`).
            let common = try shared.flatMap { value throws(Irregular) in try optional(value, object) } ?? []
            body.processes = try optional(processes) { value throws(Irregular) in
                try array(value) { entry throws(Irregular) in try process(SharedEntryMembers.merged(entry, shared: common)) }
            }
        }
        return IndexedEnvelope(seq: try seq.orIrregular(), type: try type.orIrregular(), time: try time.orIrregular(),
                               node: node, body: body)
    }

    private static func recordNode(_ value: JSONValue) throws(Irregular) -> RecordNode {
        var node = RecordNode(hostname: nil, bootID: nil, machineID: nil)
        let keys = Keys.node
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            let text = try optionalString(member.value)
            switch slot {
            case 0: node.hostname = text
            case 1: node.bootID = text
            default: node.machineID = text
            }
        }
        return node
    }

    private static func audit(_ value: JSONValue) throws(Irregular) -> AuditDocument {
        var takenAt: String?, jobs: [AuditJob]?, unattributed: [RecordedProcess]?, nodeFindings: [RecordedFindingFacts]?
        let keys = Keys.audit
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            let value = member.value
            switch slot {
            case 0: takenAt = try optionalString(value)
            case 1: jobs = try array(value, job)
            case 2: unattributed = try optional(value) { value throws(Irregular) in try array(value, process) }
            default: nodeFindings = try optional(value) { value throws(Irregular) in try array(value, finding) }
            }
        }
        return AuditDocument(takenAt: takenAt, jobs: try jobs.orIrregular(), unattributed: unattributed, nodeFindings: nodeFindings)
    }

    private static func job(_ value: JSONValue) throws(Irregular) -> AuditJob {
        var pandaID: String?
        var job = AuditJob(pandaID: "", processes: [])
        let keys = Keys.job
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            let value = member.value
            switch slot {
            case 0: pandaID = try lenient(value)
            case 1: job.taskID = try optionalLenient(value)
            case 2: job.isolated = try optionalBool(value)
            case 3: job.failingRules = try optional(value) { value throws(Irregular) in try array(value, string) }
            case 4: job.pilot = try optional(value, process)
            case 5: job.pilotWrapper = try optional(value, process)
            case 6: job.processes = try optional(value) { value throws(Irregular) in try array(value, process) } ?? []
            case 7: job.container = try optional(value, container)
            case 8: job.jobDirectory = try optionalString(value)
            case 9: job.batchJobID = try optional(value, batchJobID)
            default: job.findings = try optional(value) { value throws(Irregular) in try array(value, finding) }
            }
        }
        job.pandaID = try pandaID.orIrregular()
        return job
    }

    private static func process(_ value: JSONValue) throws(Irregular) -> RecordedProcess {
        var pid: Int64?, startTicks: Int64?
        var process = RecordedProcess(pid: 0, startTicks: 0)
        let keys = Keys.process
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            let value = member.value
            switch slot {
            case 0: pid = try integer(value)
            case 1: startTicks = try integer(value)
            case 2: process.startTime = try optionalString(value)
            case 3: process.bootID = try optionalString(value)
            case 4: process.uid = try optionalInteger(value)
            case 5: process.uids = try optional(value) { value throws(Irregular) in try array(value, integer) }
            case 6: process.gids = try optional(value) { value throws(Irregular) in try array(value, integer) }
            case 7: process.cmdline = try optional(value) { value throws(Irregular) in try array(value, string) }
            case 8: process.exe = try optionalString(value)
            case 9: process.cgroup = try optionalString(value)
            case 10: process.namespaces = try optional(value, namespaces)
            case 11: process.pandaID = try optionalLenient(value)
            case 12: process.taskID = try optionalLenient(value)
            case 13: process.container = try optional(value, container)
            case 14: process.firstSeen = try optionalString(value)
            case 15: process.lastSeen = try optionalString(value)
            case 16: process.role = try optionalString(value)
            default: process.pilot = try optional(value, identity)
            }
        }
        process.pid = try pid.orIrregular()
        process.startTicks = try startTicks.orIrregular()
        return process
    }

    private static func namespaces(_ value: JSONValue) throws(Irregular) -> RecordedNamespaces {
        var ns = RecordedNamespaces()
        let keys = Keys.namespaces
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            let inode = try optionalInteger(member.value)
            switch slot {
            case 0: ns.cgroup = inode
            case 1: ns.ipc = inode
            case 2: ns.mnt = inode
            case 3: ns.net = inode
            case 4: ns.pid = inode
            case 5: ns.pidForChildren = inode
            case 6: ns.time = inode
            case 7: ns.user = inode
            default: ns.uts = inode
            }
        }
        return ns
    }

    private static func container(_ value: JSONValue) throws(Irregular) -> RecordedContainer {
        var container = RecordedContainer()
        let keys = Keys.container
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            if slot == 0 { container.runtime = try optionalString(member.value) } else { container.image = try optionalString(member.value) }
        }
        return container
    }

    private static func batchJobID(_ value: JSONValue) throws(Irregular) -> RecordedBatchJobID {
        var id = RecordedBatchJobID()
        let keys = Keys.batchJobID
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            if slot == 0 { id.variable = try optionalString(member.value) } else { id.value = try optionalString(member.value) }
        }
        return id
    }

    private static func identity(_ value: JSONValue) throws(Irregular) -> RecordedIdentity {
        var bootID: String?, pid: Int64?, startTicks: Int64?
        let keys = Keys.identity
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            switch slot {
            case 0: bootID = try optionalString(member.value)
            case 1: pid = try integer(member.value)
            default: startTicks = try integer(member.value)
            }
        }
        return RecordedIdentity(bootID: bootID, pid: try pid.orIrregular(), startTicks: try startTicks.orIrregular())
    }

    private static func finding(_ value: JSONValue) throws(Irregular) -> RecordedFindingFacts {
        var rule: String?, status: String?
        var finding = RecordedFindingFacts(rule: "", status: "")
        let keys = Keys.finding
        var seen = Seen()
        for member in try object(value) {
            guard let slot = keys.slot(of: member.key), seen.first(slot) else { continue }
            let value = member.value
            switch slot {
            case 0: rule = try string(value)
            case 1: status = try string(value)
            case 2: finding.severity = try optionalString(value)
            case 3: finding.pid = try optionalInteger(value)
            case 4: finding.message = try optionalString(value)
            default: finding.evidence = value.isNull ? nil : .value(value)
            }
        }
        finding.rule = try rule.orIrregular()
        finding.status = try status.orIrregular()
        return finding
    }

    // MARK: The decoders' scalars: `decode` (required, null refused) and `decodeIfPresent` (null is nil).

    private static func object(_ value: JSONValue) throws(Irregular) -> [JSONMember] {
        guard case .object(let members) = value else { throw Irregular() }
        return members
    }

    private static func array<T>(_ value: JSONValue, _ element: (JSONValue) throws(Irregular) -> T) throws(Irregular) -> [T] {
        guard case .array(let elements) = value else { throw Irregular() }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for item in elements { result.append(try element(item)) }
        return result
    }

    private static func optional<T>(_ value: JSONValue, _ read: (JSONValue) throws(Irregular) -> T) throws(Irregular) -> T? {
        if case .null = value { return nil }
        return try read(value)
    }

    private static func string(_ value: JSONValue) throws(Irregular) -> String {
        guard case .string(let text) = value else { throw Irregular() }
        return text
    }

    private static func optionalString(_ value: JSONValue) throws(Irregular) -> String? {
        try optional(value, string)
    }

    /// An integer as the decoders take one: a number that converts exactly.
    private static func integer(_ value: JSONValue) throws(Irregular) -> Int64 {
        guard case .number(let number) = value, let integer = Int64(exactly: number) else { throw Irregular() }
        return integer
    }

    private static func optionalInteger(_ value: JSONValue) throws(Irregular) -> Int64? {
        try optional(value, integer)
    }

    private static func optionalBool(_ value: JSONValue) throws(Irregular) -> Bool? {
        if case .null = value { return nil }
        guard case .bool(let flag) = value else { throw Irregular() }
        return flag
    }

    /// `LenientString`: a string, or an integer written as one.
    private static func lenient(_ value: JSONValue) throws(Irregular) -> String {
        if case .string(let text) = value { return text }
        return String(try integer(value))
    }

    private static func optionalLenient(_ value: JSONValue) throws(Irregular) -> String? {
        try optional(value, lenient)
    }

    /// Which slots of an object were met: the first member of a name counts, as in the decoders.
    private struct Seen {
        var bits: UInt32 = 0

        mutating func first(_ slot: Int) -> Bool {
            let bit = UInt32(1) << UInt32(slot)
            guard bits & bit == 0 else { return false }
            bits |= bit
            return true
        }
    }

    /// The member names each object is read for, in slot order.
    private enum Keys {
        static let envelope = KeyTable(["v", "type", "seq", "time", "node", "key_id", "audit", "process", "processes", "panda_id", "finding", "shared"])
        static let node = KeyTable(["hostname", "boot_id", "machine_id"])
        static let audit = KeyTable(["taken_at", "jobs", "unattributed", "node_findings"])
        static let job = KeyTable(["panda_id", "task_id", "isolated", "failing_rules", "pilot", "pilot_wrapper", "processes",
                                   "container", "job_directory", "batch_job_id", "findings"])
        static let process = KeyTable(["pid", "start_ticks", "start_time", "boot_id", "uid", "uids", "gids", "cmdline", "exe",
                                       "cgroup", "ns", "panda_id", "task_id", "container", "first_seen", "last_seen", "role", "pilot"])
        static let namespaces = KeyTable(["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"])
        static let container = KeyTable(["runtime", "image"])
        static let batchJobID = KeyTable(["variable", "value"])
        static let identity = KeyTable(["boot_id", "pid", "start_ticks"])
        static let finding = KeyTable(["rule", "status", "severity", "pid", "message", "evidence"])
    }
}

/// Member names to slots. A name is looked up by its UTF-8 length and first byte (both known
/// without reading the string), and compared only with the names that share them: most members
/// of an object are not read, and are passed over without a comparison.
struct KeyTable {
    private let names: [(name: String, slot: Int)]
    /// The names of length n starting with byte b are `names[starts[n * 128 + b] ..< starts[n * 128 + b + 1]]`.
    private let starts: [Int32]
    private static let longest = 16

    init(_ keys: [String]) {
        precondition(keys.allSatisfy { $0.utf8.count <= Self.longest && $0.utf8.allSatisfy { $0 < 0x80 } && !$0.isEmpty })
        var names: [(name: String, slot: Int)] = []
        var starts: [Int32] = []
        for length in 0...Self.longest {
            for first in 0..<128 {
                starts.append(Int32(names.count))
                for (slot, key) in keys.enumerated() where key.utf8.count == length && key.utf8.first == UInt8(first) {
                    names.append((key, slot))
                }
            }
        }
        starts.append(Int32(names.count))
        self.names = names
        self.starts = starts
    }

    /// The slot of the member named `name`, compared as bytes: the names here are ASCII, and a
    /// string of as many UTF-8 bytes that Swift finds equal to one of them is that ASCII string
    /// (what canonical equivalence maps to ASCII takes more bytes than it).
    func slot(of name: String) -> Int? {
        let length = name.utf8.count
        guard length <= Self.longest, let first = name.utf8.first, first < 128 else { return nil }
        let bucket = length * 128 + Int(first)
        let range = Int(starts[bucket])..<Int(starts[bucket + 1])
        for index in range where names[index].name == name {
            return names[index].slot
        }
        return nil
    }
}

/// What `RecordValueReader` meets where decoding could answer otherwise.
private struct Irregular: Error {}

private extension Optional {
    func orIrregular() throws(Irregular) -> Wrapped {
        guard let self else { throw Irregular() }
        return self
    }
}

private extension JSONValue {
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
