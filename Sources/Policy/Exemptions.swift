#if canImport(Glibc)
import Glibc
#endif
import Jobs
import ProcFS

/// Turns a failure into a warning for jobs a rule exempts (e.g. event-service jobs that need a
/// shared IPC namespace), keeping the reason in the finding.
enum Exemptions {
    static func apply(_ rule: PolicyRule, to finding: Finding, _ context: JobContext) -> Finding {
        guard finding.status == .fail, let exemption = rule.exemptions.first(where: { matches($0, context) }) else { return finding }
        var warned = finding
        warned.status = .warn
        warned.message = finding.message + " (exempt: \(exemption.reason))"
        warned.evidence["exemption"] = .string(exemption.reason)
        return warned
    }

    static func matches(_ exemption: Exemption, _ context: JobContext) -> Bool {
        let root = context.job.root.arguments ?? []
        if !exemption.transformations.isEmpty, root.contains(where: { any(exemption.transformations, $0) }) { return true }
        if !exemption.queues.isEmpty, let queue = queue(of: context.pilot), any(exemption.queues, queue) { return true }
        if !exemption.containerOptions.isEmpty {
            for process in context.payload where context.isRuntimeProcess(process) || process.arguments?.first.map({ $0.hasSuffix("apptainer") || $0.hasSuffix("singularity") }) == true {
                if (process.arguments ?? []).contains(where: { any(exemption.containerOptions, $0) }) { return true }
            }
        }
        return false
    }

    /// The pilot's queue: `-q <queue>` or `--queue <queue>` / `--queue=<queue>`.
    static func queue(of pilot: ProcessSample) -> String? {
        let argv = pilot.arguments ?? []
        for (index, argument) in argv.enumerated() {
            if (argument == "-q" || argument == "--queue"), index + 1 < argv.count { return argv[index + 1] }
            if argument.hasPrefix("--queue=") { return String(argument.dropFirst("--queue=".count)) }
        }
        return nil
    }

    private static func any(_ globs: [String], _ text: String) -> Bool {
        globs.contains { fnmatch($0, text, 0) == 0 }
    }
}
