import Base

/// What an incident responder asks the index.
public enum RecordQuery: Sendable, Equatable {
    /// Everything recorded for one PanDA job.
    case pandaID(String)
    /// Every job of a task.
    case taskID(String)
    /// The processes that had this PID; with `at`, the one process that had it at that time.
    case pid(Int64, at: UTCTime?)
    /// Every process recorded with this effective uid, and their jobs.
    case uid(Int64)
    /// Every job seen in the window (`query --since T1 [--until T2]` alone).
    case jobs
}

extension RecordQuery {
    /// "PanDA job 4267387837", "PID 31337 at 2026-...", for messages.
    public var subject: String {
        switch self {
        case .pandaID(let id): return "PanDA job \(id)"
        case .taskID(let id): return "task \(id)"
        case .pid(let pid, let at): return "PID \(pid)" + (at.map { " at \($0)" } ?? "")
        case .uid(let uid): return "uid \(uid)"
        case .jobs: return "any job"
        }
    }
}

/// Restricts a query to facts seen within [since, until] (either end open).
public struct TimeWindow: Sendable, Equatable {
    public var since: UTCTime?
    public var until: UTCTime?

    public init(since: UTCTime? = nil, until: UTCTime? = nil) {
        self.since = since
        self.until = until
    }
}
