/// Runs commands with output to temporary files (no pipe to fill up).
public enum Command {
    /// Runs a command to completion in the test's process group; what it leaves running stays.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> CommandResult {
        try start(arguments, environment: environment, directory: directory).wait()
    }

    /// Runs a command in its own process group, killed with everything it started after `timeout`
    /// seconds, and when it ends.
    public static func run(_ arguments: [String], timeout: Int) throws -> CommandResult {
        try ChildProcess(arguments, ownGroup: true).wait(timeout: timeout)
    }

    /// Starts a command in the test's process group; `wait()` collects it, `signal(_:)` reaches its PID.
    public static func start(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> ChildProcess {
        try ChildProcess(arguments, environment: environment, directory: directory, ownGroup: false)
    }
}
