/// One problem found in a policy file, where it is: what `isotrace policy lint` prints, in the
/// `FILE:LINE:COLUMN: error: message` form editors and CI logs link to.
public struct PolicyLintIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file as it was named (a base file through the extending file's directory).
    public var file: String
    /// 1-based line and column (libyaml counts columns in Unicode scalars).
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): error: \(message)" }
}
