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
