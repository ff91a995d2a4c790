import Base
import Policy
import ProcFS
import Records
import SystemPackage

/// Sends RFC 5424 messages to the local syslog daemon over a unix datagram socket (`/dev/log`
/// by default), so the site's rsyslog or fluent-bit ships them to the SIEM: a job's start and
/// end and every verdict that turns to fail.
///
/// Sends never block (a stuck syslog daemon must not stall the cycle): a full socket buffer or a
/// missing socket is an error the caller counts; the next send connects again (rsyslog restarts
/// make a new socket).
public final class SyslogSender {
    public let socketPath: String
    private var fd: FileDescriptor?

    public init(socketPath: String = "/dev/log") {
        self.socketPath = socketPath
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

    /// Sends one message; on failure connects again and retries once.
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

    /// The messages for a cycle's events: job start and end (notice), and each verdict that is
    /// now `fail` (at the level of its severity).
    public static func messages(for events: [TrackerEvent], time: UTCTime, hostname: String?, procID: Int32) -> [SyslogMessage] {
        var messages: [SyslogMessage] = []
        func message(_ level: SyslogMessage.Level, _ msgID: String, _ members: [JSONMember]) {
            messages.append(SyslogMessage(level: level, time: time, hostname: hostname, procID: procID, msgID: msgID, body: .object(members)))
        }
        for event in events {
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
