import Base
import ArgumentParser
import Policy
import ProcFS

/// `isotrace check`: a Nagios/ETF probe. One status line with perfdata; exit 0 OK, 1 WARNING,
/// 2 CRITICAL, 3 UNKNOWN (Nagios plugin guidelines).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Nagios/ETF probe: one status line with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
        discussion: """
            CRITICAL when a job is not isolated or a rule at or above --critical fails; WARNING when \
            any other rule fails or warns (info-level findings aside); UNKNOWN when the audit cannot run.
            """
    )

    @OptionGroup var policyOption: PolicyOption
    var policy: String? { policyOption.policy }

    @OptionGroup var procRootOption: ProcRootOption
    var procRoot: String { procRootOption.procRoot }

    @Option(help: ArgumentHelp("Lowest severity whose failure is CRITICAL.", valueName: "severity"))
    var critical: Severity = .high

    @OptionGroup var samplerOption: SamplerOption
    var sampler: SamplerChoice { samplerOption.sampler }

    func run() throws {
        let result: AuditResult
        do {
            result = try AuditRun.perform(policyPath: policy, procRoot: procRoot, sampler: sampler)
        } catch {
            FileOutput.standardOutput.write("ISOTRACE UNKNOWN - audit could not run (see stderr)\n")
            throw ExitCode(3)
        }
        let (line, code) = CheckVerdict.make(result, critical: critical)
        FileOutput.standardOutput.write(line + "\n")
        if code != 0 { throw ExitCode(code) }
    }
}
