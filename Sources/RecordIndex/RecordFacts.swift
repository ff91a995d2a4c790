import Base
import Records

/// What one record line states that a central store indexes it by: its place in the chain
/// (key_id, seq), type, time, node, and every PanDA ID, task ID, PID and uid it mentions, so that
/// a query across nodes finds the lines to read. Signatures are not checked here.
public struct RecordFacts: Equatable, Sendable {
    public var seq: Int64
    public var type: RecordType
    public var time: UTCTime
    public var keyID: String?
    public var hostname: String?
    public var pandaIDs: [String]
    public var taskIDs: [String]
    public var pids: [Int64]
    public var uids: [Int64]

    /// The facts of `line` (one segment line without its newline), or why it is not a record.
    public static func extract(_ line: [UInt8]) -> Result<RecordFacts, RecordFactsError> {
        let envelope: RecordEnvelope
        do {
            envelope = try RecordLine.decode(line, body: IndexedBody.self)
        } catch {
            return .failure(RecordFactsError(reason: "\(error)"))
        }
        guard let time = TimeExpression.rfc3339(envelope.time) else {
            return .failure(RecordFactsError(reason: "seq \(envelope.seq): invalid time '\(envelope.time)'"))
        }
        var facts = RecordFacts(seq: envelope.seq, type: envelope.type, time: time, keyID: envelope.keyID,
                                hostname: envelope.node?.hostname, pandaIDs: [], taskIDs: [], pids: [], uids: [])
        var pandaIDs = Set<String>(), taskIDs = Set<String>(), pids = Set<Int64>(), uids = Set<Int64>()
        func add(_ process: RecordedProcess?) {
            guard let process else { return }
            pids.insert(process.pid)
            if let uid = process.uid { uids.insert(uid) }
            if let id = process.pandaID { pandaIDs.insert(id) }
            if let id = process.taskID { taskIDs.insert(id) }
        }
        if let audit = envelope.body.audit {
            for job in audit.jobs {
                pandaIDs.insert(job.pandaID)
                if let id = job.taskID { taskIDs.insert(id) }
                add(job.pilot)
                add(job.pilotWrapper)
                job.processes.forEach(add)
            }
            audit.unattributed?.forEach(add)
        }
        add(envelope.body.process)
        envelope.body.processes?.forEach(add)
        if let id = envelope.body.pandaID?.value { pandaIDs.insert(id) }
        if let pid = envelope.body.finding?.pid { pids.insert(pid) }
        facts.pandaIDs = pandaIDs.sorted()
        facts.taskIDs = taskIDs.sorted()
        facts.pids = pids.sorted()
        facts.uids = uids.sorted()
        return .success(facts)
    }
}

/// Why a line is not a record the central store can index (not JSON, no seq, a bad time).
public struct RecordFactsError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
