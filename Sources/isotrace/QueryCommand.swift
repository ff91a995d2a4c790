import Base
import ArgumentParser
import ProcFS
import RecordIndex
import Records
import Reports

/// `isotrace query`: what the records say about a PanDA job, a task, a PID (at a time) or a uid,
/// or which jobs ran in a window, answer first, with the record seqs and segment lines that prove
/// each fact. Verified by default: the answer is re-derived from the signed lines the index points
/// to, every cited record and the chain are checked, and an index that disagrees with the lines is
/// reported as tampered and rebuilt.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "What ran as a job, which job a PID was at a time, which jobs ran in a window: verified by default.",
        discussion: """
            Give one of --panda-id, --task-id, --pid or --uid, or only --since/--until to list the jobs \
            seen in that window (one line each). With --pid, --at TIME picks the one process that had \
            the PID then (PID reuse resolved by start time). Times are RFC 3339 (2026-11-26T03:12:00Z, \
            with fraction or offset) or relative ("now", "2h ago", "30m ago", "1d ago"). \
            The answer comes first: per job one line (task, payload uid, pilot PID and uid, owner DN, \
            verdict and failing rules), then one row per process (start, end or "alive at last sight", \
            command), one block per pilot instance and the findings once per change. \
            Before printing, every cited record is checked (signature, key_id, strict JSON), the whole \
            chain as `isotrace verify` does, and the facts are re-derived from the signed lines; a \
            record that fails is marked where it is shown (FORGED: bad signature at records/...:N) and \
            never summarised as fact; an index that disagrees with the signed lines is reported as \
            tampered and rebuilt. --no-verify skips all of that (bulk scripting). \
            Exit 0 with a verified answer; 1 when nothing matched, the PID was not alive at --at, a \
            cited record or the chain failed, or the index was tampered with; 2 on errors. \
            --panda-id N --format html writes the incident report for the job to \
            DIR/incident-<N>-<UTC time>.html or --output FILE ("-" for stdout), with the same checks \
            and exit status.
            """
    )

    @OptionGroup var selection: QuerySelection
    var pandaID: String? { selection.pandaID }

    @Option(help: "Output format: table, json or html (html: the incident report for --panda-id).")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("With --format html: the report file (default: DIR/incident-<id>-<UTC time>.html; - for stdout).", valueName: "file"))
    var output: String?

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @OptionGroup var key: AnswerKeyOption

    @Flag(name: .customLong("no-verify"), help: "Answer from the index without checking anything (bulk scripting).")
    var noVerify = false

    @Flag(help: .hidden)
    var verify = false

    @OptionGroup var central: CentralDatabaseOptions

    func validate() throws {
        if format == .html, pandaID == nil { throw ValidationError("--format html is the incident report of one job: give --panda-id") }
        if output != nil, format != .html { throw ValidationError("--output goes with --format html") }
        if verify, noVerify { throw ValidationError("--verify (the default) and --no-verify exclude each other") }
        if central.db != nil, format == .html { throw ValidationError("--format html is built from the local records (--out); with --db use table or json") }
        if central.db != nil, key.publicKey != nil { throw ValidationError("--public-key checks local segments; for the database use isotrace verify --db URL") }
    }

    func run() throws {
        let now = UTCTime.now()
        let (query, window) = try selection.resolve(now: now)
        if let db = central.db {
            return try CentralQueryOutput.run(query, window: window, url: db, passwordFile: central.passwordFile, node: central.node, format: format == .json ? .json : .table)
        }
        try stateDirectory.requireRecords()
        var answer: QueryAnswer
        var evidence: IncidentEvidence?
        do {
            if noVerify {
                let report = try RecordIndex.update(directory: out)
                IndexCommand.printToStderr(report)
                let reader = try IndexReader(directory: out)
                if let notice = reader.notice { FileOutput.standardError.write("isotrace: \(notice)\n") }
                let result = try reader.run(query, window: window)
                answer = QueryAnswer(unverified: result, directory: out)
                if let pandaID, format == .html {
                    evidence = IncidentEvidenceCollector.collect(pandaID: pandaID, unverified: result, directory: out,
                                                                publicKeyPath: key.path(directory: out))
                }
            } else {
                let verified = try VerifiedAnswerRun.run(query, window: window, directory: out, key: key)
                answer = QueryAnswer(verified, directory: out)
                if let pandaID, format == .html {
                    evidence = IncidentEvidenceCollector.collect(pandaID: pandaID, verified: verified, directory: out)
                }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        answer.userNames = UserNames.lookUp(answer.uids)
        evidence?.answer.userNames = answer.userNames
        switch format {
        case .json: FileOutput.standardOutput.write(try JSONOutput.encode(answer) + "\n")
        case .table: FileOutput.standardOutput.write(QueryTable.render(answer))
        case .html:
            let html = IncidentReport.render(evidence!, generatedAt: now, generator: "isotrace \(Isotrace.version)")
            try ReportFile.write(html, to: output ?? ReportFileName.incident(pandaID: pandaID!, at: now, directory: out), what: "HTML incident report")
        }
        if format != .table {
            if let message = answer.message { FileOutput.standardError.write("isotrace: \(PrintableText.escape(message))\n") }
            for failure in answer.verification.failures { FileOutput.standardError.write("isotrace: verify: \(PrintableText.escape(failure.text))\n") }
            FileOutput.standardError.write("isotrace: \(PrintableText.escape(answer.verification.summary))\n")
        }
        if !answer.isClean { throw ExitCodeError.violations }
    }

    static func describe(_ window: TimeWindow) -> String { QueryAnswer.describe(window) }
}
