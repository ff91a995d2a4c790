import ArgumentParser
import RecordIndex

/// `isotrace index`: brings DIR/index.sqlite up to date with the segments, or with --rebuild
/// drops it and builds it again from them (the segments are the truth; the index can always be
/// rebuilt).
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Update the SQLite index of the records, or rebuild it from the segments.",
        discussion: """
            Lines that are not records are reported (file and line) and skipped; `isotrace verify` \
            says whether the chain is intact. Exit 0 when the index is up to date, 2 on errors.
            """
    )

    @Flag(help: "Drop the index and rebuild it from every segment.")
    var rebuild = false

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    func run() throws {
        try stateDirectory.requireRecords()
        do {
            let report = rebuild ? try RecordIndex.rebuild(directory: out) : try RecordIndex.update(directory: out)
            Self.printToStderr(report)
            let statistics = try IndexReader(directory: out).statistics()
            let range = statistics.firstSeq.map { "seq \($0)-\(statistics.lastSeq ?? $0)" } ?? "no records"
            FileOutput.standardOutput.write(
                "\(rebuild || report.rebuilt ? "rebuilt" : "updated") \(out)/index.sqlite: \(report.indexedRecords) record(s) indexed now; "
                    + "\(statistics.records) record(s) (\(range)), \(statistics.processSightings) process sighting(s), "
                    + "\(statistics.jobSightings) job sighting(s), \(statistics.findings) finding(s)\n")
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
    }

    /// Moved-aside indexes and skipped lines go to stderr: the result on stdout stays clean.
    static func printToStderr(_ report: IndexUpdateReport) {
        for notice in report.notices {
            FileOutput.standardError.write("isotrace: \(notice)\n")
        }
        for problem in report.problems {
            FileOutput.standardError.write("isotrace: warning: \(problem)\n")
        }
    }
}
