/// The result of a command run to completion.
public struct CommandResult: CustomStringConvertible, Sendable {
    /// The exit code, or 128 + the signal when it was killed.
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// It ran past its time limit and was killed.
    public var timedOut: Bool

    public init(status: Int32, stdout: String, stderr: String, timedOut: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }

    public var description: String {
        "exit \(status)\(timedOut ? " (timed out, killed)" : "")\nstdout: \(stdout.prefix(3000))\nstderr: \(stderr.prefix(3000))"
    }
}
