import Base
import Foundation

/// The daemon's state directory, where every command that reads or writes records looks unless
/// `--out` says otherwise: `/var/lib/isotrace`, or what `/etc/isotrace/isotrace.conf` says
/// (`$ISOTRACE_CONFIG` names another file, for tests and for nodes that keep it elsewhere).
///
/// The file holds `name = value` lines. Blank lines and lines whose first non-blank character is
/// `#` are ignored; a `#` later in a line is part of the value. The one name is
/// `state_directory`, an absolute path, given at most once. Anything else is an error that names
/// the file and line.
struct StateDirectoryConfig: Equatable {
    static let defaultDirectory = "/var/lib/isotrace"
    static let defaultFile = "/etc/isotrace/isotrace.conf"
    static let environmentVariable = "ISOTRACE_CONFIG"

    /// The state directory.
    var directory: String
    /// Where it was set ("FILE line N"), nil for the built-in default.
    var setAt: String?

    /// A config file that cannot be read or has a malformed line.
    struct Problem: Error, CustomStringConvertible, Equatable {
        var file: String
        var line: Int?
        var reason: String
        var description: String { line.map { "\(file):\($0): \(reason)" } ?? "\(file): \(reason)" }
    }

    /// Parses the text of a config file named `file` (for messages).
    static func parse(_ text: String, file: String) throws(Problem) -> StateDirectoryConfig {
        var found: (directory: String, line: Int)?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw Problem(file: file, line: number, reason: "expected `name = value` (e.g. `state_directory = \(defaultDirectory)`), found \(quoted(line))")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard name == "state_directory" else {
                throw Problem(file: file, line: number, reason: "unknown setting \(quoted(name)) (the only one is state_directory)")
            }
            guard value.hasPrefix("/") else {
                throw Problem(file: file, line: number, reason: "state_directory must be an absolute path, found \(quoted(value))")
            }
            if let found { throw Problem(file: file, line: number, reason: "state_directory is set again (first on line \(found.line))") }
            found = (value, number)
        }
        guard let found else { return StateDirectoryConfig(directory: defaultDirectory, setAt: nil) }
        return StateDirectoryConfig(directory: found.directory, setAt: "\(file) line \(found.line)")
    }

    /// Reads `$ISOTRACE_CONFIG` (which must exist) or /etc/isotrace/isotrace.conf (absent: the
    /// built-in default).
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(Problem) -> StateDirectoryConfig {
        let named = environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        let file = named ?? defaultFile
        guard Syscalls.exists(file) else {
            guard named == nil else { throw Problem(file: file, line: nil, reason: "no such file (named by $\(environmentVariable))") }
            return StateDirectoryConfig(directory: defaultDirectory, setAt: nil)
        }
        let bytes: [UInt8]
        do {
            bytes = try Syscalls.readRange(file, from: 0)
        } catch {
            throw Problem(file: file, line: nil, reason: "cannot be read (\(error))")
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw Problem(file: file, line: nil, reason: "is not UTF-8 text") }
        return try parse(text, file: file)
    }

    /// A value from the file as shown in a message: quoted, control characters escaped.
    private static func quoted(_ text: String) -> String {
        "'" + text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? String(format: "\\x%02x", $0.value) : String($0) }.joined() + "'"
    }
}
