import ArgumentParser
import Policy

/// `isotrace policy`: work with policy files (policies/*.yaml).
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check policy files.",
        subcommands: [Lint.self]
    )
}

extension PolicyCommand {
    /// `isotrace policy lint FILE...`: every problem of every file, with its position, so a site
    /// can fix a policy before an audit depends on it.
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Check policy files: unknown keys and check kinds, duplicate rule IDs, wrong types.",
            discussion: """
                Each problem is printed on stderr as FILE:LINE:COLUMN: error: MESSAGE (a file that \
                extends another is checked with its base). A clean file gets "FILE: ok, N rules" on \
                stdout. Exit 0 when every file is clean, 2 otherwise.
                """
        )

        @Argument(help: ArgumentHelp("Policy files to check.", valueName: "file"), completion: .policyFile)
        var files: [String] = []

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one policy file.") }
        }

        func run() throws {
            var failed = false
            for file in files {
                do {
                    let policy = try PolicyLoader.load(path: file)
                    FileOutput.standardOutput.write("\(file): ok, \(policy.rules.count) rules\n")
                } catch {
                    failed = true
                    for issue in error.issues { FileOutput.standardError.write("\(issue)\n") }
                    let count = error.issues.count
                    FileOutput.standardError.write("\(file): \(count) error\(count == 1 ? "" : "s")\n")
                }
            }
            if failed { throw ExitCode(2) }
        }
    }
}
