import ArgumentParser
import Base

/// `--out DIR`, shared by every command that reads or writes records: the state directory holding
/// records/, index.sqlite, keys/ and reports. Without it, the daemon's state directory
/// (`StateDirectoryConfig`), so `query` on a daemon node finds what the daemon wrote.
struct StateDirectoryOption: ParsableArguments {
    @Option(name: .customLong("out"),
            help: ArgumentHelp("State directory: records/, index.sqlite, keys/ (default: state_directory in \(StateDirectoryConfig.defaultFile), else \(StateDirectoryConfig.defaultDirectory)).",
                               valueName: "dir"))
    private var given: String?

    /// The directory: --out, else the configured one (filled in by `validate()`).
    var directory: String { given ?? StateDirectoryConfig.defaultDirectory }

    /// Without --out, reads the config file; a malformed one is an error naming file and line, exit 2.
    mutating func validate() throws {
        guard given == nil else { return }
        given = try Self.configured()
    }

    /// The configured directory (`StateDirectoryConfig`); a malformed config file is exit 2.
    static func configured() throws -> String {
        do {
            return try StateDirectoryConfig.load().directory
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
    }

    /// For commands that read records: when DIR/records is missing and DIR is the daemon's state
    /// directory (no --out), exit 2 with a message naming the option to use. With --out the
    /// command's own error says what is missing.
    func requireRecords() throws {
        let records = directory + "/records"
        if Syscalls.exists(records) { return }
        guard let configured = try? StateDirectoryConfig.load(), configured.directory == directory else { return }
        let origin = configured.setAt.map { "the daemon's state directory, set in \($0)" } ?? "the daemon's state directory"
        FileOutput.standardError.write("isotrace: error: no records at \(records) (\(origin)); use --out DIR\n")
        throw ExitCodeError.operational
    }

    /// For commands that write: makes the state directory when it is missing, mode 0750 like the
    /// records/ the chain writer makes (keys/ below it is 0700), so a first `keygen` does not
    /// decide its mode by accident.
    func create() throws {
        do {
            try Syscalls.makeDirectories(directory, mode: 0o750)
        } catch {
            FileOutput.standardError.write("isotrace: error: cannot create the state directory: \(error)\n")
            throw ExitCodeError.operational
        }
    }
}
