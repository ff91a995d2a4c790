/// Content of a /proc file that does not have the shape the kernel documents (proc(5)).
/// Carries the file and line so the user sees exactly what was wrong where.
public struct ParseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file name within the process directory (`stat`, `status`) or below the proc root.
    public var file: String
    /// 1-based line number, when the problem is on one line.
    public var line: Int?
    /// What was expected and what was found.
    public var reason: String

    public init(file: String, line: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}
