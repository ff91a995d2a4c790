import Base
import Policy
import ProcFS
import Records
import SystemPackage

/// Sends RFC 5424 messages to the local syslog daemon over a unix datagram socket (`/dev/log`
/// by default), so the site's rsyslog or fluent-bit ships them to the SIEM: a job's start and
/// end and every verdict that turns to fail.
///
/// No message is lost silently. `submit` queues a cycle's messages behind any still waiting and
/// sends from the oldest; a message leaves the queue only once the kernel has taken it. A full
/// socket (the syslog daemon is behind: EAGAIN) is waited for, at most `flush`'s budget (a stuck
/// syslog daemon must not stall the cycle), then the rest waits for the next cycle; a missing
/// socket (rsyslog restarting) is connected again. Only beyond `queueLimit` waiting messages is
/// the oldest dropped: every drop is counted (`counts`, for the metrics and the next heartbeat),
/// and the syslog daemon hears of them first thing once it takes messages again
/// (`syslog_dropped`).
public final class SyslogSender {
    /// What became of the messages submitted since the sender was made.
    public struct Counts: Sendable, Equatable {
        /// Taken by the socket.
        public var sent = 0
        /// Dropped from a full queue (the oldest first), or still queued at `dropQueued`.
        public var dropped = 0
        /// Waiting now.
        public var queued = 0

        public init(sent: Int = 0, dropped: Int = 0, queued: Int = 0) {
            self.sent = sent
            self.dropped = dropped
            self.queued = queued
        }
    }

    public let socketPath: String
    public let queueLimit: Int
    private var fd: FileDescriptor?
    /// Formatted datagrams waiting, oldest at `head`.
    private var queue: [[UInt8]] = []
    private var head = 0
    /// Drops the syslog daemon has not been told of yet, and what to tell it with.
    private var unreportedDrops = 0
    private var dropNotice: ((_ dropped: Int, _ total: Int) -> SyslogMessage)?
    public private(set) var counts = Counts()

    /// The daemon's default bound: a few cycles' worth of a busy node's messages (each under 2 KB).
    public static let defaultQueueLimit = 10_000

    public init(socketPath: String = "/dev/log", queueLimit: Int = SyslogSender.defaultQueueLimit) {
        self.socketPath = socketPath
        self.queueLimit = max(queueLimit, 1)
    }

    deinit { close() }

    public func close() {
        if let fd { Syscalls.closeFile(fd) }
        fd = nil
    }

    /// Connects now (the daemon does it before confinement, so a wrong path shows at start).
    public func connect() throws(SystemCallError) {
        close()
        let socket = try Syscalls.datagramSocket(path: socketPath)
        do {
            try Syscalls.connect(socket, unixPath: socketPath)
        } catch {
            Syscalls.closeFile(socket)
            throw error
        }
        fd = socket
    }

    /// Sends one message now, outside the queue; on failure connects again and retries once.
    public func send(_ message: SyslogMessage) throws(SystemCallError) {
        let bytes = Array(message.formatted().utf8)
        if let fd {
            do {
                try Syscalls.send(fd, bytes, path: socketPath)
                return
            } catch {
                if error.errno == .resourceTemporarilyUnavailable { throw error }
            }
        }
        try connect()
        try Syscalls.send(fd!, bytes, path: socketPath)
    }

    /// How to tell the syslog daemon of dropped messages: `notice(dropped since the last notice,
    /// dropped in all)`. Without one, drops are only counted.
    public func reportDrops(with notice: @escaping (_ dropped: Int, _ total: Int) -> SyslogMessage) {
        dropNotice = notice
    }

    /// Queues `messages` behind those waiting, sends what the socket takes (`flush`), then drops
    /// the oldest beyond `queueLimit`. Returns the error that stopped sending, if any (the
    /// messages then wait; nothing is lost but what `counts.dropped` says).
    @discardableResult
    public func submit(_ messages: [SyslogMessage], waitMilliseconds: Int64) -> SystemCallError? {
        for message in messages { queue.append(Array(message.formatted().utf8)) }
        let error = flush(waitMilliseconds: waitMilliseconds)
        let excess = queue.count - head - queueLimit
        if excess > 0 {
            head += excess
            counts.dropped += excess
            unreportedDrops += excess
        }
        compact()
        return error
    }

    /// Sends the waiting messages, oldest first, the drop notice before them. On a full socket
    /// it waits for room, `waitMilliseconds` in all; on any other error it connects again once.
    /// Returns the error that stopped it (nil: the queue is empty).
    @discardableResult
    public func flush(waitMilliseconds: Int64) -> SystemCallError? {
        defer { counts.queued = queue.count - head }
        let deadline = Syscalls.monotonicMilliseconds() + max(waitMilliseconds, 0)
        var reconnected = false
        while true {
            let notice = unreportedDrops > 0 ? dropNotice.map { Array($0(unreportedDrops, counts.dropped).formatted().utf8) } : nil
            guard let bytes = notice ?? (head < queue.count ? queue[head] : nil) else { return nil }
            do throws(SystemCallError) {
                guard let fd else { throw SystemCallError(operation: "send", path: socketPath, errno: .socketNotConnected) }
                try Syscalls.send(fd, bytes, path: socketPath)
                if notice != nil {
                    unreportedDrops = 0
                } else {
                    head += 1
                    counts.sent += 1
                }
            } catch {
                switch error.errno {
                case .resourceTemporarilyUnavailable, .noBufferSpace:
                    let left = deadline - Syscalls.monotonicMilliseconds()
                    guard left > 0, let fd else { return error }
                    Syscalls.waitWritable(fd, milliseconds: Int32(clamping: left))
                case .messageTooLong:
                    // Never sendable: dropped and counted, so it cannot hold up the rest.
                    if notice != nil { unreportedDrops = 0; continue }
                    head += 1
                    counts.dropped += 1
                    unreportedDrops += 1
                default:
                    guard !reconnected else { return error }
                    reconnected = true
                    do {
                        try connect()
                    } catch {
                        return error
                    }
                }
            }
        }
    }

    /// Counts everything still queued as dropped (at a stop, after the last `flush`).
    public func dropQueued() {
        counts.dropped += queue.count - head
        queue.removeAll()
        head = 0
        counts.queued = 0
    }

    private func compact() {
        if head > 0 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
        counts.queued = queue.count - head
    }

    /// Where a message's fact is in the chain, and whose it is: the `seq` of the record that
    /// holds it (nil when that record is not appended yet), and the uid of the process it is
    /// about (the payload root's for a job; the finding's process's, else the job root's).
    public struct Citation: Sendable, Equatable {
        public var seq: Int64?
        public var uid: UInt32?

        public init(seq: Int64?, uid: UInt32?) {
            self.seq = seq
            self.uid = uid
        }
    }

    /// The messages for a cycle's events: job start and end (notice), and each verdict that is
    /// now `fail` (at the level of its severity). `citations[i]` (when present) cites event i;
    /// every message carries `seq`, `key_id` and `uid`, null when not known.
    public static func messages(for events: [TrackerEvent], citations: [Citation] = [], keyID: String,
                                time: UTCTime, hostname: String?, procID: Int32) -> [SyslogMessage] {
        var messages: [SyslogMessage] = []
        for (index, event) in events.enumerated() {
            let citation = index < citations.count ? citations[index] : Citation(seq: nil, uid: nil)
            func message(_ level: SyslogMessage.Level, _ msgID: String, _ members: [JSONMember]) {
                let chain = [
                    JSONMember("seq", citation.seq.map { DaemonRecords.integer($0) } ?? .null),
                    JSONMember("key_id", .string(keyID)),
                    JSONMember("uid", citation.uid.map { DaemonRecords.integer($0) } ?? .null),
                ]
                messages.append(SyslogMessage(level: level, time: time, hostname: hostname, procID: procID, msgID: msgID,
                                              body: .object(members + chain)))
            }
            switch event {
            case .jobStarted(let job):
                message(.notice, "job_start", [JSONMember("event", .string("job_start"))] + describe(job))
            case .jobEnded(let job):
                message(.notice, "job_end", [JSONMember("event", .string("job_end"))] + describe(job))
            case .verdictChanged(let change) where change.finding.status == .fail:
                let finding = change.finding
                message(SyslogMessage.level(forSeverity: finding.severity.rawValue), "finding", [
                    JSONMember("event", .string("finding")),
                    JSONMember("rule", .string(finding.rule)),
                    JSONMember("status", .string(finding.status.rawValue)),
                    JSONMember("previous_status", change.previous.map { .string($0.rawValue) } ?? .null),
                    JSONMember("severity", .string(finding.severity.rawValue)),
                    JSONMember("panda_id", change.job.map { .string($0.pandaID) } ?? .null),
                    JSONMember("pilot_pid", change.job?.pilot.map { .number(Double($0.pid)) } ?? .null),
                    JSONMember("pid", finding.pid.map { .number(Double($0)) } ?? .null),
                    JSONMember("message", .string(String(finding.message.prefix(512)))),
                ])
            default:
                break
            }
        }
        return messages
    }

    /// The notice sent before the next message after drops (`reportDrops`): how many since the
    /// last notice and in all, with the key_id; no seq or uid (it is about the daemon).
    public static func dropNotice(dropped: Int, total: Int, keyID: String, time: UTCTime, hostname: String?, procID: Int32) -> SyslogMessage {
        SyslogMessage(level: .warning, time: time, hostname: hostname, procID: procID, msgID: "syslog_dropped", body: .object([
            JSONMember("event", .string("syslog_dropped")),
            JSONMember("dropped", DaemonRecords.integer(dropped)),
            JSONMember("dropped_total", DaemonRecords.integer(total)),
            JSONMember("seq", .null),
            JSONMember("key_id", .string(keyID)),
            JSONMember("uid", .null),
        ]))
    }

    /// The chain head as it stands after a heartbeat was appended (the heartbeat's own seq and the
    /// SHA-256 of its line), sent so that the site's SIEM keeps a copy the node cannot reach
    /// (`verify --anchors`). The body is `ChainHead.json`'s `seq` and `sha256` plus whose chain it
    /// is: `key_id` (the key that signed the head's record), `hostname`, `machine_id`, `boot_id`;
    /// `uid` null (it is about the daemon).
    public static func chainHead(_ head: ChainHead, keyID: String, node: RecordNode?, time: UTCTime, hostname: String?, procID: Int32) -> SyslogMessage {
        guard case .object(let members) = head.json else { preconditionFailure("a chain head is an object") }
        return SyslogMessage(level: .informational, time: time, hostname: hostname, procID: procID, msgID: "chain_head", body: .object(
            [JSONMember("event", .string("chain_head"))] + members + [
                JSONMember("key_id", .string(keyID)),
                JSONMember("hostname", node?.hostname.map(JSONValue.string) ?? .null),
                JSONMember("machine_id", node?.machineID.map(JSONValue.string) ?? .null),
                JSONMember("boot_id", node?.bootID.map(JSONValue.string) ?? .null),
                JSONMember("uid", .null),
            ]))
    }

    private static func describe(_ job: TrackedJob) -> [JSONMember] {
        [
            JSONMember("panda_id", .string(job.key.pandaID)),
            JSONMember("task_id", job.taskID.map(JSONValue.string) ?? .null),
            JSONMember("pilot_pid", job.key.pilot.map { .number(Double($0.pid)) } ?? .null),
            JSONMember("pilot_start_ticks", job.key.pilot.map { DaemonRecords.integer($0.startTicks) } ?? .null),
            JSONMember("root_pid", .number(Double(job.rootPID))),
            JSONMember("isolated", .bool(job.isolated)),
            JSONMember("failing_rules", .array(job.failingRules.map(JSONValue.string))),
            JSONMember("container", job.container.map { .string($0.runtime) } ?? .null),
            JSONMember("job_directory", .string(String(job.jobDirectory.prefix(512)))),
            JSONMember("first_seen", .string(job.firstSeen.description)),
            JSONMember("last_seen", .string(job.lastSeen.description)),
        ]
    }
}
