import ArgumentParser
import Glibc

/// isotrace: audits grid worker nodes for pilot/payload isolation and traceability.
@main
struct Isotrace: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "isotrace",
        abstract: "Audit grid worker nodes: pilot/payload isolation and traceability from /proc.",
        discussion: """
            Exit codes: 0 ok, 1 policy violations found, 2 usage or operational error.
            Results go to stdout, errors and progress to stderr.
            Commands that read or write records work in the state directory: --out DIR, else \
            state_directory in /etc/isotrace/isotrace.conf ($ISOTRACE_CONFIG names another file), \
            else /var/lib/isotrace.
            """,
        version: "isotrace \(version) (libseccomp \(SeccompLibrary.version), seccomp API level \(SeccompLibrary.apiLevel))",
        subcommands: [SnapshotCommand.self, AuditCommand.self, CheckCommand.self, SimulateCommand.self, PolicyCommand.self,
                      KeygenCommand.self, VerifyCommand.self, DaemonCommand.self, ConfinementProbeCommand.self, QueryCommand.self, ExportCommand.self, IndexCommand.self,
                      PruneCommand.self, DbCommand.self, ShipCommand.self]
    )

    /// Like ParsableCommand.main, but usage errors exit 2 (as the design's exit codes say), not 64;
    /// the plain forms of `snapshot` and `audit` skip swift-argument-parser (`QuickArguments`).
    static func main() {
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if let snapshot = QuickArguments.snapshot(arguments) {
                try snapshot.run()
                return
            }
            if let audit = try QuickArguments.audit(arguments) {
                try audit.run()
                return
            }
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode where code != .validationFailure {
            // The exit code alone (`audit` finding violations, an operational error already
            // reported): what exit(withError:) would print is empty for it, and working that out
            // built the whole help text (6.8 million instructions at every audit that fails).
            Glibc.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileOutput.standardError.write(fullMessage(for: error) + "\n")
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
