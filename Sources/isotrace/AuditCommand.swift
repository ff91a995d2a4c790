import Base
import ArgumentParser
import Policy
import ProcFS
import Reports

/// `isotrace audit`: classify pilots and payloads and check every job against the policy.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check every PanDA job on this node against the isolation and traceability policy.",
        discussion: """
            Exit 0 when no rule at or above --fail-on fails, 1 when one does, 2 on error \
            (unusable policy or proc root, malformed /proc content, a record that could not be written). \
            --record appends the audit as a signed record to DIR/records (see `isotrace verify`). \
            --format html writes a self-contained report to DIR/audit-<host>-<UTC time>.html, or to \
            --output FILE ("-" for stdout).
            """
    )

    @OptionGroup var policyOption: PolicyOption
    var policy: String? { policyOption.policy }

    @Option(help: "Output format: table, json or html.")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("With --format html: the report file (default: DIR/audit-<host>-<UTC time>.html; - for stdout).", valueName: "file"))
    var output: String?

    @OptionGroup var procRootOption: ProcRootOption
    var procRoot: String { procRootOption.procRoot }

    @Option(help: ArgumentHelp("Lowest severity whose failure makes the exit code 1 (info, low, medium, high, critical).", valueName: "severity"))
    var failOn: Severity = .low

    @Flag(help: "Append the audit as a signed, hash-chained record to DIR/records.")
    var record = false

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @OptionGroup var signingKey: SigningKeyOption
    var key: String? { signingKey.key }

    @OptionGroup var samplerOption: SamplerOption
    var sampler: SamplerChoice { samplerOption.sampler }

    func validate() throws {
        if !record && (key != nil) { throw ValidationError("--key needs --record") }
        if output != nil, format != .html { throw ValidationError("--output goes with --format html") }
    }

    func run() throws {
        try AuditInvocation(policy: policy, format: format, output: output, procRoot: procRoot, failOn: failOn, record: record,
                            out: out, key: key, sampler: sampler).run()
    }
}

/// What `audit` does with its options, whichever way they were read (`AuditCommand`, or
/// `QuickArguments` for the plain forms).
struct AuditInvocation: Equatable {
    var policy: String?
    var format: ReportFormat = .table
    var output: String?
    var procRoot = "/proc"
    var failOn: Severity = .low
    var record = false
    /// The state directory (`StateDirectoryOption.directory`).
    var out: String
    var key: String?
    var sampler: SamplerChoice = .auto

    func run() throws {
        let result = try AuditRun.perform(policyPath: policy, procRoot: procRoot, sampler: sampler)
        switch format {
        case .json:
            // Streamed as bytes (AuditJSONWriter): the document JSONOutput.encode would make, never
            // held whole. A closed pipe (EPIPE) ends nothing but the output.
            AuditJSONWriter.write(result, toBytes: { _ = try? Syscalls.writeAll(.standardOutput, $0) })
            _ = try? Syscalls.writeAll(.standardOutput, [UInt8(ascii: "\n")])
        case .table: FileOutput.standardOutput.write(AuditTable.render(result, colour: Terminal.wantsColour))
        case .html:
            let html = AuditReport.render(result, generatedAt: UTCTime.now(), generator: "isotrace \(Isotrace.version)")
            let path = output ?? ReportFileName.audit(host: result.snapshot.node.hostname, at: result.snapshot.takenAt, directory: out)
            try ReportFile.write(html, to: path, what: "HTML audit report")
        }
        if record { try AuditRecording.append(result, outputDirectory: out, keyPath: key) }
        OneShot.keepUntilExit(result)
        try AuditRun.finish(result, failOn: failOn)
    }
}

extension Severity: ExpressibleByArgument {}

/// The audit steps shared by `audit` and `check`.
enum AuditRun {
    static func perform(policyPath: String?, procRoot: String, sampler choice: SamplerChoice) throws -> AuditResult {
        let policy = try PolicyLocation.load(policyPath)
        let sampler = try SamplerStartup.choose(choice, procRoot: procRoot)
        OneShot.releaseStartupCode()
        let snapshot: Snapshot
        do {
            snapshot = try sampler.sample(extraEnvironment: policy.extraEnvironment)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        return PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: procRoot)).audit(snapshot)
    }

    /// Reports sampling problems and turns the verdict into the exit code.
    static func finish(_ result: AuditResult, failOn: Severity) throws {
        for problem in result.snapshot.problems {
            FileOutput.standardError.write("isotrace: error: \(problem)\n")
        }
        if !result.snapshot.problems.isEmpty { throw ExitCodeError.operational }
        if result.fails(atOrAbove: failOn) { throw ExitCodeError.violations }
    }
}
