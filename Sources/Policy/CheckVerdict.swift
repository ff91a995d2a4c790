import Base

/// The Nagios/ETF probe's verdict on an audit (`isotrace check`): one status line with perfdata and
/// the plugin exit code, 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios plugin guidelines).
/// CRITICAL when a job is not isolated or a rule at or above `critical` fails; WARNING when any
/// other rule fails or warns (info-level findings aside); UNKNOWN when /proc entries were malformed.
public enum CheckVerdict {
    public static func make(_ result: AuditResult, critical: Severity) -> (String, Int32) {
        let findings = result.allFindings
        let fails = findings.filter { $0.status == .fail }
        let notIsolated = result.jobs.filter { !$0.isolated }
        let perfdata = [
            "jobs=\(result.jobs.count)", "not_isolated=\(notIsolated.count)", "pilots=\(result.graph.pilots.count)",
            "payload_processes=\(result.graph.payloadProcessCount)", "unattributed=\(result.graph.unattributed.count)",
            "fail=\(fails.count)", "warn=\(findings.filter { $0.status == .warn }.count)",
            "processes=\(result.snapshot.processes.count)",
        ].joined(separator: " ")
        if !result.snapshot.problems.isEmpty {
            return ("ISOTRACE UNKNOWN - \(result.snapshot.problems.count) malformed /proc entries (see stderr) | \(perfdata)", 3)
        }
        let criticalFails = fails.filter { $0.severity >= critical }
        if !notIsolated.isEmpty || !criticalFails.isEmpty {
            let rules = ordered(notIsolated.flatMap(\.failingRules).filter { RuleFamily(ruleID: $0) == .isolation } + criticalFails.map(\.rule))
            let what = notIsolated.isEmpty
                ? "\(criticalFails.count) critical finding(s)"
                : "\(notIsolated.count) of \(result.jobs.count) jobs not isolated"
            return ("ISOTRACE CRITICAL - \(what) (\(rules.joined(separator: ", "))) | \(perfdata)", 2)
        }
        let minor = findings.filter { ($0.status == .fail || $0.status == .warn) && $0.severity > .info }
        if !minor.isEmpty {
            return ("ISOTRACE WARNING - \(minor.count) finding(s) (\(ordered(minor.map(\.rule)).joined(separator: ", "))) | \(perfdata)", 1)
        }
        let what = result.jobs.isEmpty ? "no PanDA jobs on this node" : "\(result.jobs.count) of \(result.jobs.count) jobs isolated"
        return ("ISOTRACE OK - \(what) | \(perfdata)", 0)
    }

    private static func ordered(_ rules: [String]) -> [String] {
        var seen: Set<String> = []
        return rules.filter { seen.insert($0).inserted }
    }
}
