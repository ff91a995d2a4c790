import ArgumentParser
import Policy
import ProcFS

/// The plain forms of `isotrace snapshot` and `isotrace audit`, read without swift-argument-parser.
///
/// Parsing a command line with swift-argument-parser costs about 24 million instructions here,
/// whatever the node: it reflects over the command types and casts their properties to its
/// protocols, and each first cast makes the Swift runtime scan every protocol conformance of
/// this (statically linked) binary (32 million for `audit`). That is 2.5 times what the C reader
/// of /proc spends on a whole node of 2,000 processes. `snapshot` and `audit` are what sites
/// and `make bench` run by hand; their plain forms (each option as `--name value` or
/// `--name=value`) are read here with the same value conversions (`init?(argument:)`).
/// Anything else (help, a short or unknown option, a repeated single option, a value that does
/// not convert, starts with `-` or is empty) returns nil and goes to swift-argument-parser, which
/// says what is wrong; the tests check that whatever is read here reads the same there.
enum QuickArguments {
    /// The snapshot these arguments (without the program name) ask for, or nil.
    static func snapshot(_ arguments: [String]) -> SnapshotRun? {
        guard arguments.first == "snapshot",
              let options = OptionValues(arguments.dropFirst(), single: ["format", "proc-root", "sampler"], repeatable: ["pid"])
        else { return nil }
        var run = SnapshotRun()
        if let text = options.single["format"] {
            guard let format = OutputFormat(argument: text) else { return nil }
            run.format = format
        }
        if let text = options.single["proc-root"] { run.procRoot = text }
        if let text = options.single["sampler"] {
            guard let sampler = SamplerChoice(argument: text) else { return nil }
            run.sampler = sampler
        }
        for text in options.repeated["pid", default: []] {
            guard let pid = Int32(argument: text) else { return nil }
            run.pids.append(pid)
        }
        return run
    }

    /// The audit these arguments ask for, or nil: its plain forms are `--policy`, `--format`
    /// table or json, `--proc-root`, `--fail-on` and `--sampler` (html, --record, --out, --key
    /// and --output go to swift-argument-parser). As there, the state directory's config file is
    /// read (a malformed one is exit 2) although these forms write nothing to it.
    static func audit(_ arguments: [String]) throws -> AuditInvocation? {
        guard arguments.first == "audit",
              let options = OptionValues(arguments.dropFirst(), single: ["policy", "format", "proc-root", "fail-on", "sampler"], repeatable: [])
        else { return nil }
        var run = AuditInvocation(out: "")
        run.policy = options.single["policy"]
        if let text = options.single["format"] {
            guard let format = ReportFormat(argument: text), format != .html else { return nil }
            run.format = format
        }
        if let text = options.single["proc-root"] { run.procRoot = text }
        if let text = options.single["fail-on"] {
            guard let severity = Severity(argument: text) else { return nil }
            run.failOn = severity
        }
        if let text = options.single["sampler"] {
            guard let sampler = SamplerChoice(argument: text) else { return nil }
            run.sampler = sampler
        }
        run.out = try StateDirectoryOption.configured()
        return run
    }

    /// `--name value` and `--name=value` pairs of the given long options, in order; nil for any
    /// other argument.
    struct OptionValues {
        var single: [String: String] = [:]
        var repeated: [String: [String]] = [:]

        init?(_ arguments: ArraySlice<String>, single names: Set<String>, repeatable: Set<String>) {
            var rest = arguments
            while let argument = rest.popFirst() {
                guard argument.hasPrefix("--"), argument.count > 2 else { return nil }
                let name: String
                let value: String
                if let equals = argument.firstIndex(of: "=") {
                    name = String(argument[argument.index(argument.startIndex, offsetBy: 2)..<equals])
                    value = String(argument[argument.index(after: equals)...])
                } else {
                    guard let next = rest.popFirst() else { return nil }
                    name = String(argument.dropFirst(2))
                    value = next
                }
                guard !value.isEmpty, !value.hasPrefix("-") else { return nil }
                if names.contains(name) {
                    guard single.updateValue(value, forKey: name) == nil else { return nil }
                } else if repeatable.contains(name) {
                    repeated[name, default: []].append(value)
                } else {
                    return nil
                }
            }
        }
    }
}
