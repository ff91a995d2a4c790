import ArgumentParser
import CentralStore
import Records

/// `isotrace ship`: one catch-up of DIR/records into the central database.
struct ShipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ship",
        abstract: "Send the records in DIR/records that the central database does not have yet, in order.",
        discussion: """
            Reads the segments from where DIR/sink.cursor says the last ship stopped (from the start \
            without one, or when the database has fewer records than the cursor says) and stores \
            each signed line verbatim, in batches; records already stored are left alone (idempotent \
            on key_id and seq). Exit 0 when everything was sent, 1 when some lines are not records \
            (named on stderr, not sent), 2 when the database cannot be reached (nothing is lost: the \
            next ship sends it).
            """)

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @OptionGroup var sink: SinkOptions

    func run() throws {
        try stateDirectory.requireRecords()
        let connector = try SinkAccess.connector(url: sink.sink, passwordFile: sink.passwordFile)
        // A chain signed with epoch keys is stored under its root key's key_id (ChainSignerChoice).
        let signer = try? ChainSignerChoice.resolve(outputDirectory: out, keyPath: nil).signer
        let shipper = RecordShipper(outputDirectory: out, chainKeyID: signer.flatMap { $0.isForwardSecure ? $0.chainKeyID : nil })
        let report = try SinkAccess.with(connector) { database throws(SinkError) in try await shipper.ship(to: database) }
        for notice in report.notices { FileOutput.standardError.write("isotrace: \(notice)\n") }
        for problem in report.problems { FileOutput.standardError.write("isotrace: \(problem)\n") }
        let last = report.lastSeq.map { ", last seq \($0)" } ?? ""
        FileOutput.standardOutput.write("shipped \(report.sent) record(s) to \(connector.url.redacted): \(report.inserted) new, \(report.sent - report.inserted) already there\(last)\n")
        if !report.problems.isEmpty { throw ExitCodeError.violations }
    }
}
