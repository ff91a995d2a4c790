import Base
import ArgumentParser
import ProcFS
import RecordIndex
import Reports

/// `isotrace query`: what the records say about a PanDA job, a task, a PID (at a time) or a uid,
/// with the record seqs and segment lines that prove each fact. Reads the index, brought up to
/// date from the segments first.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Show every process, namespace and finding recorded for a job, task, PID or uid.",
        discussion: """
            Give exactly one of --panda-id, --task-id, --pid or --uid. With --pid, --at TIME picks the \
            one process that had the PID then (PID reuse resolved by start time). Times are RFC 3339 \
            (2026-11-26T03:12:00Z, with fraction or offset) or relative ("now", "2h ago", "30m ago", \
            "1d ago"). Exit 0 with the result (empty, with a "no record of" message on stderr, when \
            nothing matched), 1 when --verify finds a cited record altered, 2 on errors. \
            --panda-id N --format html writes the incident report for the job (who, what, where, when, \
            and every cited record with its signature checked) to DIR/incident-<N>-<UTC time>.html or \
            --output FILE ("-" for stdout); exit 1 when a cited record or the chain fails verification.
            """
    )

    @Option(name: .customLong("panda-id"), help: ArgumentHelp("PanDA job ID.", valueName: "id"))
    var pandaID: String?

    @Option(name: .customLong("task-id"), help: ArgumentHelp("JEDI task ID: every job of the task.", valueName: "id"))
    var taskID: String?

    @Option(help: ArgumentHelp("Process ID.", valueName: "pid"))
    var pid: Int64?

    @Option(help: ArgumentHelp("With --pid: the time at which the process had that PID.", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Effective uid on the host.", valueName: "uid"))
    var uid: Int64?

    @Option(help: ArgumentHelp("Only facts seen at or after this time.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only facts seen at or before this time.", valueName: "time"))
    var until: String?

    @Option(help: "Output format: table, json or html (html: the incident report for --panda-id).")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("With --format html: the report file (default: DIR/incident-<id>-<UTC time>.html; - for stdout).", valueName: "file"))
    var output: String?

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @Flag(help: "Check the signature of every cited record, and that its line is the one indexed.")
    var verify = false

    @OptionGroup var central: CentralDatabaseOptions

    func validate() throws {
        let selectors = [pandaID != nil, taskID != nil, pid != nil, uid != nil].filter { $0 }.count
        guard selectors == 1 else {
            throw ValidationError("give exactly one of --panda-id, --task-id, --pid or --uid")
        }
        if at != nil, pid == nil { throw ValidationError("--at goes with --pid") }
        if format == .html, pandaID == nil { throw ValidationError("--format html is the incident report of one job: give --panda-id") }
        if output != nil, format != .html { throw ValidationError("--output goes with --format html") }
        if central.db != nil, format == .html { throw ValidationError("--format html is built from the local records (--out); with --db use table or json") }
        if central.db != nil, verify { throw ValidationError("--verify checks local segments; for the database use isotrace verify --db URL") }
    }

    func run() throws {
        let now = UTCTime.now()
        let query: RecordQuery
        let window: TimeWindow
        do {
            window = TimeWindow(since: try since.map { try TimeExpression.parse($0, now: now) },
                                until: try until.map { try TimeExpression.parse($0, now: now) })
            if let pandaID { query = .pandaID(pandaID) }
            else if let taskID { query = .taskID(taskID) }
            else if let pid { query = .pid(pid, at: try at.map { try TimeExpression.parse($0, now: now) }) }
            else { query = .uid(uid!) }
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        if let db = central.db {
            return try CentralQueryOutput.run(query, window: window, url: db, passwordFile: central.passwordFile, node: central.node, format: format == .json ? .json : .table)
        }
        try stateDirectory.requireRecords()
        let verifier = verify ? CitedRecordVerifier(directory: out) : nil
        if let verifier, verifier.publicKey == nil {
            FileOutput.standardError.write("isotrace: error: --verify: cannot load the public key \(verifier.publicKeyPath)\n")
            throw ExitCodeError.operational
        }
        let result: QueryResult
        let reader: IndexReader
        do {
            let report = try RecordIndex.update(directory: out)
            IndexCommand.printToStderr(report)
            reader = try IndexReader(directory: out)
            if let notice = reader.notice { FileOutput.standardError.write("isotrace: \(notice)\n") }
            result = try reader.run(query, window: window)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        switch format {
        case .json: FileOutput.standardOutput.write(try JSONOutput.encode(result) + "\n")
        case .table: FileOutput.standardOutput.write(QueryTable.render(result))
        case .html: try writeIncidentReport(result, reader: reader, now: now)
        }
        if result.isEmpty {
            FileOutput.standardError.write("isotrace: no record of \(result.subject)\(Self.describe(window)) in \(out)/records\n")
        }
        if let verifier { try Self.verify(result, reader: reader, verifier: verifier) }
    }

    /// The incident report for --panda-id: exit 1 (after writing it) when a cited record or the
    /// chain fails verification; without a public key it is written with the checks marked undone.
    func writeIncidentReport(_ result: QueryResult, reader: IndexReader, now: UTCTime) throws {
        let id = pandaID!
        let evidence = IncidentEvidenceCollector.collect(pandaID: id, result: result, reader: reader, directory: out)
        let html = IncidentReport.render(evidence, generatedAt: now, generator: "isotrace \(Isotrace.version)")
        try ReportFile.write(html, to: output ?? ReportFileName.incident(pandaID: id, at: now, directory: out), what: "HTML incident report")
        if evidence.publicKeyID == nil {
            FileOutput.standardError.write("isotrace: warning: no public key at \(evidence.publicKeyPath): signatures not checked\n")
            return
        }
        let failed = evidence.proofs.filter { !$0.isVerified }
        for proof in failed {
            FileOutput.standardError.write("isotrace: verify: \(proof.record.file):\(proof.record.line) (seq \(proof.record.seq)) failed\n")
        }
        for problem in evidence.chain?.problems ?? [] { FileOutput.standardError.write("isotrace: verify: \(problem)\n") }
        if !failed.isEmpty || evidence.chain?.problems.isEmpty == false {
            throw ExitCodeError.violations
        }
        FileOutput.standardError.write("isotrace: verify: all \(evidence.proofs.count) cited record(s) verified, chain intact\n")
    }

    /// Checks every cited record: its line is the one indexed, and its signature holds. Exit 1
    /// when one does not.
    static func verify(_ result: QueryResult, reader: IndexReader, verifier: CitedRecordVerifier) throws {
        var failures = 0
        for check in verifier.check(result.records, reader: reader) {
            let record = check.record
            var reason: String?
            if case .failed(let why) = check.citation {
                reason = why
            } else if case .failed(let why) = check.signature {
                reason = "\(record.file):\(record.line) (seq \(record.seq)): \(why)"
            }
            if let reason {
                failures += 1
                FileOutput.standardError.write("isotrace: verify: \(reason)\n")
            }
        }
        if failures > 0 {
            FileOutput.standardError.write("isotrace: verify: \(failures) of \(result.records.count) cited record(s) failed\n")
            throw ExitCodeError.violations
        }
        FileOutput.standardError.write("isotrace: verify: all \(result.records.count) cited record(s) verified\n")
    }

    static func describe(_ window: TimeWindow) -> String {
        switch (window.since, window.until) {
        case (nil, nil): return ""
        case (let since?, nil): return " since \(since)"
        case (nil, let until?): return " until \(until)"
        case (let since?, let until?): return " between \(since) and \(until)"
        }
    }
}
