#if canImport(Glibc)
import Glibc
#endif
import Base
import Agent
import ArgumentParser
import ProcFS
import RecordIndex
import Records

/// `isotrace prune`: retention. Removes whole daily segments older than the period, after a
/// signed `checkpoint` record, so `verify` still passes on what remains and shows what went.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove record segments older than a retention period, keeping the chain verifiable.",
        discussion: """
            First checks the whole chain (a chain that does not verify is never pruned: exit 2), \
            then appends a signed checkpoint record naming the chain head, where the remaining \
            chain starts and every removed segment (records, bytes, SHA-256), fsyncs it, and only \
            then removes the segments whose whole UTC day is older than --older-than. The key_rotation records of removed \
            segments are first copied to DIR/records/key_rotations.jsonl, so verify still leads from the root \
            public key to every remaining record's key. The default, \
            180d, is twice the 90 days WLCG asks traceability data to be kept. Safe while the \
            daemon runs (it waits for the writers' lock). The index is rebuilt afterwards.
            """
    )

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Retention period: 180d, 26w, 4320h, ... (at least 1d).", valueName: "period"))
    var olderThan: String = "180d"

    @OptionGroup var signingKey: SigningKeyOption
    var key: String? { signingKey.key }

    @OptionGroup var procRootOption: ProcRootOption
    var procRoot: String { procRootOption.procRoot }

    @Flag(help: "Say what would be removed; write and remove nothing.")
    var dryRun = false

    func validate() throws {
        guard let period = DurationText(olderThan), period.milliseconds >= 86_400_000 else {
            throw ValidationError("--older-than '\(olderThan)' is not a period of at least one day (e.g. 180d)")
        }
    }

    func run() throws {
        let period = DurationText(olderThan)!
        try stateDirectory.requireRecords()
        let report: ChainPruner.Report
        do {
            let signer = try ChainSignerChoice.resolve(outputDirectory: out, keyPath: key).signer
            let node = RecordNode(try NodeFactsReader(procRoot: procRoot).read())
            let pruner = ChainPruner(outputDirectory: out, signer: signer, node: node)
            report = try pruner.prune(olderThanMilliseconds: period.milliseconds, label: period.description, dryRun: dryRun)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        guard let plan = report.plan else {
            FileOutput.standardOutput.write("nothing to prune: no segment before \(report.keptFromDate) (older than \(period))\n")
            return
        }
        let records = plan.removed.reduce(0) { $0 + $1.records }
        let action = dryRun ? "would remove" : "removed"
        for file in report.removedFiles { FileOutput.standardOutput.write("\(action) \(file)\n") }
        if let checkpoint = report.checkpoint {
            FileOutput.standardOutput.write("""
                pruned: \(records) record(s), seq \(plan.removed.first?.firstSeq ?? 1)-\(plan.firstKeptSeq - 1), in \(plan.removed.count) \
                segment(s) dated before \(report.keptFromDate); checkpoint seq \(checkpoint.seq) in \(checkpoint.file); \
                the chain now starts at seq \(plan.firstKeptSeq)\(report.rotationsKept > 0 ? "; \(report.rotationsKept) key_rotation record(s) kept in records/\(RotationLog.name)" : "")

                """)
            if Self.fileExists(out + "/index.sqlite") {
                do {
                    _ = try RecordIndex.rebuild(directory: out)
                } catch {
                    FileOutput.standardError.write("isotrace: warning: index not rebuilt (\(error)); `isotrace index --rebuild` restores it\n")
                }
            }
        } else {
            FileOutput.standardOutput.write("dry run: \(records) record(s) in \(plan.removed.count) segment(s) dated before \(report.keptFromDate); nothing written or removed\n")
        }
    }

    private static func fileExists(_ path: String) -> Bool { Syscalls.exists(path) }
}
