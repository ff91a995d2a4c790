import ArgumentParser
import Base
import ProcFS
import SystemPackage

/// `isotrace snapshot`: one sample of /proc, as a table or as the JSON that later layers consume.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Sample every process (or the given PIDs) from /proc and print what isotrace sees.",
        discussion: """
            Without root, other users' cwd, exe, environ and namespace links are unreadable; those \
            fields are null and the process's "unavailable" map says why. Exit 2 when the proc \
            root is unusable or a file is malformed (each problem is named on stderr).
            """
    )

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @OptionGroup var procRootOption: ProcRootOption
    var procRoot: String { procRootOption.procRoot }

    @Option(name: .customLong("pid"), help: ArgumentHelp("Sample only this PID (repeatable).", valueName: "pid"))
    var pids: [Int32] = []

    @OptionGroup var samplerOption: SamplerOption
    var sampler: SamplerChoice { samplerOption.sampler }

    func run() throws {
        try SnapshotRun(format: format, procRoot: procRoot, pids: pids, sampler: sampler).run()
    }
}

/// What `snapshot` does with its options, whichever way they were read (`SnapshotCommand`, or
/// `QuickArguments` for the plain forms).
struct SnapshotRun: Equatable {
    var format: OutputFormat = .table
    var procRoot = "/proc"
    var pids: [Int32] = []
    var sampler: SamplerChoice = .auto

    func run() throws {
        let chosen = try SamplerStartup.choose(sampler, procRoot: procRoot)
        OneShot.releaseStartupCode()
        let snapshot: Snapshot
        do {
            snapshot = try chosen.sample(pids: pids.isEmpty ? nil : pids)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCode(2)
        }
        switch format {
        case .json:
            // Written directly as bytes, streamed: the same document as JSONOutput.encode, at a
            // fraction of the time and memory. A closed pipe (EPIPE) ends nothing but the output.
            SnapshotJSONWriter.write(snapshot, toBytes: { _ = try? Syscalls.writeAll(.standardOutput, $0) })
            _ = try? Syscalls.writeAll(.standardOutput, [UInt8(ascii: "\n")])
        case .table: FileOutput.standardOutput.write(SnapshotTable.render(snapshot))
        }
        for problem in snapshot.problems {
            FileOutput.standardError.write("isotrace: error: \(problem)\n")
        }
        let failed = !snapshot.problems.isEmpty
        OneShot.keepUntilExit(snapshot)
        if failed { throw ExitCode(2) }
    }
}

/// For commands that end right after their output: tens of thousands of samples are freed by
/// the process's exit at once, not one by one (which cost about 3 % of a snapshot of 10,000
/// processes, in free() and heap consolidation), as compilers do with -disable-free.
enum OneShot {
    final class Kept<Value> {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    static func keepUntilExit<Value>(_ value: Value) {
        _ = Unmanaged.passRetained(Kept(value))
    }

    /// Before sampling: lets go of the pages of code and constants that start-up touched
    /// (argument parsing, the policy's YAML, the runtime's relocation and conformance tables),
    /// as the daemon does after its first cycle. What sampling, the audit and the JSON writer run
    /// comes back from the page cache; the peak RSS of a large node is then its samples, not
    /// start-up's pages on top of them.
    static func releaseStartupCode() { Syscalls.releaseStartupCode() }
}
