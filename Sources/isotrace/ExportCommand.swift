import ArgumentParser
import Base
import Foundation
import RecordIndex
import Reports

/// `isotrace export`: the verified answer for a job, a PID at a time (or any query) as an
/// evidence bundle a CSIRT checks without isotrace (`EvidenceBundle`): the chain's segments, the
/// cited lines, the public key, the answers (text, JSON, and the HTML incident report for a job),
/// the standalone Python verifier and a README naming the commands.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the verified answer and the evidence to check it without isotrace into a directory or .tar.gz.",
        discussion: """
            Takes the selectors of `isotrace query` (--panda-id N, --pid P --at T, ...). The answer is \
            verified as query verifies it; the bundle is written in any case (evidence of tampering is \
            evidence too), and the exit status is query's: 0 a verified answer, 1 nothing matched or a \
            check failed, 2 on errors. --output DIR makes a new directory; --output FILE.tar.gz writes \
            the same as a gzipped tar (made with tar).
            """
    )

    @OptionGroup var selection: QuerySelection

    @Option(help: ArgumentHelp("The bundle: a new directory, or FILE.tar.gz.", valueName: "dir|file.tar.gz"))
    var output: String

    @OptionGroup var stateDirectory: StateDirectoryOption

    @OptionGroup var key: AnswerKeyOption

    func run() throws {
        let now = UTCTime.now()
        let (query, window) = try selection.resolve(now: now)
        try stateDirectory.requireRecords()
        let directory = stateDirectory.directory
        let verified = try VerifiedAnswerRun.run(query, window: window, directory: directory, key: key)
        var answer = QueryAnswer(verified, directory: directory)
        answer.userNames = UserNames.lookUp(answer.uids)
        var documents: [(name: String, content: [UInt8])] = [
            ("answer.txt", Array(QueryTable.render(answer).utf8)),
            ("answer.json", Array((try JSONOutput.encode(answer) + "\n").utf8)),
        ]
        if let pandaID = selection.pandaID {
            var evidence = IncidentEvidenceCollector.collect(pandaID: pandaID, verified: verified, directory: directory)
            evidence.answer.userNames = answer.userNames
            let html = IncidentReport.render(evidence, generatedAt: now, generator: "isotrace \(Isotrace.version)")
            documents.append(("incident-\(ReportFileName.safe(pandaID)).html", Array(html.utf8)))
        }
        let archive = output.hasSuffix(".tar.gz") || output.hasSuffix(".tgz")
        let bundle = archive ? output + ".d-\(Syscalls.processID())" : output
        do {
            try EvidenceBundle.write(to: bundle, from: directory, verified: verified, documents: documents,
                                     verifierScript: VerifierScript.text)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        if archive {
            defer { try? FileManager.default.removeItem(atPath: bundle) }
            try Self.tar(bundle, into: output)
        }
        FileOutput.standardError.write("isotrace: wrote evidence bundle \(output) (\(verified.result.records.count) cited record(s); "
            + "check it with README.txt inside)\n")
        FileOutput.standardError.write("isotrace: \(PrintableText.escape(answer.verification.summary))\n")
        if let message = answer.message { FileOutput.standardError.write("isotrace: \(PrintableText.escape(message))\n") }
        if !answer.isClean { throw ExitCodeError.violations }
    }

    /// `tar -czf FILE -C parent name`: the bundle's directory as one gzipped tar, its top
    /// directory named after the file.
    static func tar(_ bundle: String, into file: String) throws {
        let url = URL(fileURLWithPath: bundle)
        let name = URL(fileURLWithPath: file).lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "").replacingOccurrences(of: ".tgz", with: "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar", "-czf", file, "--transform", "s,^\(url.lastPathComponent),\(name),", "-C", url.deletingLastPathComponent().path, url.lastPathComponent]
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            FileOutput.standardError.write("isotrace: error: cannot run tar for \(file): \(error)\n")
            throw ExitCodeError.operational
        }
        guard process.terminationStatus == 0 else {
            FileOutput.standardError.write("isotrace: error: tar failed (exit \(process.terminationStatus)) writing \(file)\n")
            throw ExitCodeError.operational
        }
    }
}
