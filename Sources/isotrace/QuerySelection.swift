import ArgumentParser
import Base
import RecordIndex

/// What `query` and `export` are asked about: one PanDA job, task, PID (at a time) or uid, or only
/// a window (the jobs seen in it); and the window that restricts the facts.
struct QuerySelection: ParsableArguments {
    @Option(name: .customLong("panda-id"), help: ArgumentHelp("PanDA job ID.", valueName: "id"))
    var pandaID: String?

    @Option(name: .customLong("task-id"), help: ArgumentHelp("JEDI task ID: every job of the task.", valueName: "id"))
    var taskID: String?

    @Option(help: ArgumentHelp("Process ID.", valueName: "pid"))
    var pid: Int64?

    @Option(help: ArgumentHelp("With --pid: the time at which the process had that PID.", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Effective uid on the host.", valueName: "uid"))
    var uid: Int64?

    @Option(help: ArgumentHelp("Only facts seen at or after this time; alone (with --until): the jobs seen in the window.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only facts seen at or before this time.", valueName: "time"))
    var until: String?

    func validate() throws {
        let selectors = [pandaID != nil, taskID != nil, pid != nil, uid != nil].filter { $0 }.count
        guard selectors == 1 || (selectors == 0 && (since != nil || until != nil)) else {
            throw ValidationError("give exactly one of --panda-id, --task-id, --pid or --uid, or only --since/--until to list the jobs of a window")
        }
        if at != nil, pid == nil { throw ValidationError("--at goes with --pid") }
    }

    /// The query and window, times read relative to `now`; a bad time exits 2 naming it.
    func resolve(now: UTCTime) throws -> (RecordQuery, TimeWindow) {
        do {
            let window = TimeWindow(since: try since.map { try TimeExpression.parse($0, now: now) },
                                    until: try until.map { try TimeExpression.parse($0, now: now) })
            if let pandaID { return (.pandaID(pandaID), window) }
            if let taskID { return (.taskID(taskID), window) }
            if let pid { return (.pid(pid, at: try at.map { try TimeExpression.parse($0, now: now) }), window) }
            if let uid { return (.uid(uid), window) }
            return (.jobs, window)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
    }
}
