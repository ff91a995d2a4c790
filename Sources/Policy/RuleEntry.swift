import Yams

/// One entry of a policy file's `rules` list as written: a complete rule, or (in a file that
/// extends another) an override of a base rule that gives only the keys it changes.
struct RuleEntry {
    static let keys = ["id", "title", "check", "severity", "enabled", "parameters", "remediation", "source", "exemptions"]
    static let requiredKeys = ["id", "check", "severity", "remediation"]

    var node: Node
    var id: String?
    var idNode: Node?
    /// True when `id` names a rule of the base policy.
    var isOverride = false
    var title: String?
    var check: CheckKind?
    var severity: Severity?
    var enabled: Bool?
    var parameters: [String: PolicyValue]?
    var remediation: String?
    var sources: [PolicySource]?
    var exemptions: [Exemption]?

    /// The rule this entry defines: `base` with the keys given here replaced, or a new rule.
    /// Nil when a new rule lacks a required key (already reported).
    func rule(over base: PolicyRule?) -> PolicyRule? {
        if var rule = base {
            if let title { rule.title = title }
            if let severity { rule.severity = severity }
            if let enabled { rule.enabled = enabled }
            if let parameters { rule.parameters = parameters }
            if let remediation { rule.remediation = remediation }
            if let sources { rule.sources = sources }
            if let exemptions { rule.exemptions = exemptions }
            return rule
        }
        guard let id, let check, let severity, let remediation else { return nil }
        return PolicyRule(id: id, title: title ?? "", check: check, severity: severity, parameters: parameters ?? [:],
                          remediation: remediation, sources: sources ?? [], exemptions: exemptions ?? [],
                          enabled: enabled ?? true)
    }
}

/// What an extending file needs to know of its base to read its rule entries.
struct BaseRules {
    /// The base file's name as written in `extends`, for messages.
    var name: String
    /// Each base rule's check kind (nil when the base gave an unknown one).
    var checks: [String: CheckKind?]
    /// False when the base could not be read at all: every entry is then taken as an override,
    /// so a missing base does not also make every override look incomplete.
    var available: Bool
}

extension PolicyYAMLReader {
    /// Reads rule entry `index` (0-based). `base` is set in a file that extends another.
    mutating func ruleEntry(_ node: Node, index: Int, base: BaseRules?) -> RuleEntry? {
        let peekedID = node.mapping?["id"]?.scalar?.string
        let owner = peekedID.map { "rule '\($0)'" } ?? "rule #\(index + 1)"
        guard let fields = fields(node, of: owner, allowed: RuleEntry.keys) else { return nil }
        var entry = RuleEntry(node: node)
        if let idNode = fields["id"] {
            entry.id = string(idNode, "'id' of \(owner)", nonEmpty: true)
            entry.idNode = idNode
        }
        var baseCheck: CheckKind?
        if let base, let id = entry.id {
            entry.isOverride = base.checks[id] != nil || !base.available
            baseCheck = base.checks[id] ?? nil
        }
        var required = RuleEntry.requiredKeys
        if entry.isOverride { required = ["id"] }
        for name in required where fields[name] == nil {
            var message = "\(owner) is missing required key '\(name)'"
            if let base, entry.id != nil { message += " (it is not a rule of \(base.name), so it defines a new rule)" }
            report(message, at: node)
        }

        if let value = fields["title"] { entry.title = string(value, "'title' of \(owner)") }
        if let value = fields["check"], let text = string(value, "'check' of \(owner)") {
            if let check = CheckKind(rawValue: text) {
                entry.check = check
                if entry.isOverride, let baseCheck, baseCheck != check {
                    report("\(owner) overrides a rule of \(base?.name ?? "the base policy") whose check is "
                           + "'\(baseCheck.rawValue)'; a rule ID names one check, so give a rule with check "
                           + "'\(text)' a new id", at: value)
                }
            } else {
                report("unknown check kind '\(text)' in \(owner); known kinds: "
                       + CheckKind.allCases.map(\.rawValue).joined(separator: ", "), at: value)
            }
        }
        if let value = fields["severity"], let text = string(value, "'severity' of \(owner)") {
            entry.severity = Severity(rawValue: text)
            if entry.severity == nil {
                report("severity '\(text)' of \(owner) is not one of: "
                       + Severity.allCases.map(\.rawValue).joined(separator: ", "), at: value)
            }
        }
        if let value = fields["enabled"] { entry.enabled = boolean(value, "'enabled' of \(owner)") }
        let check = entry.check ?? baseCheck
        if let value = fields["parameters"] {
            entry.parameters = parameters(value, check: check, owner: owner)
        } else if !entry.isOverride, let check {
            for name in check.requiredParameters.sorted() {
                report("\(owner) is missing parameter '\(name)', required by check kind '\(check.rawValue)'", at: node)
            }
        }
        if let value = fields["remediation"] { entry.remediation = string(value, "'remediation' of \(owner)", nonEmpty: true) }
        if let value = fields["source"] { entry.sources = sources(value, owner: owner) }
        if let value = fields["exemptions"] { entry.exemptions = exemptions(value, owner: owner) }
        return entry
    }

    /// `source`: the texts a rule implements, each quoted exactly.
    private mutating func sources(_ node: Node, owner: String) -> [PolicySource]? {
        guard let list = sequence(node, "'source' of \(owner)") else { return nil }
        var result: [PolicySource] = []
        for (index, element) in list.enumerated() {
            let what = "source #\(index + 1) of \(owner)"
            let keys = ["document", "clause", "quote"]
            guard let fields = fields(element, of: what, allowed: keys, required: keys) else { continue }
            let document = fields["document"].flatMap { string($0, "'document' of \(what)", nonEmpty: true) }
            let clause = fields["clause"].flatMap { string($0, "'clause' of \(what)", nonEmpty: true) }
            let quote = fields["quote"].flatMap { string($0, "'quote' of \(what)", nonEmpty: true) }
            if let document, let clause, let quote {
                result.append(PolicySource(document: document, clause: clause, quote: quote))
            }
        }
        return result
    }

    /// `exemptions`: jobs whose failure of this rule is only a warning, and why.
    private mutating func exemptions(_ node: Node, owner: String) -> [Exemption]? {
        guard let list = sequence(node, "'exemptions' of \(owner)") else { return nil }
        var result: [Exemption] = []
        for (index, element) in list.enumerated() {
            let what = "exemption #\(index + 1) of \(owner)"
            let globKeys = ["transformations", "queues", "container_options"]
            guard let fields = fields(element, of: what, allowed: globKeys + ["reason"], required: ["reason"]) else { continue }
            var globs: [String: [String]] = [:]
            for key in globKeys {
                if let value = fields[key], let list = stringList(value, "'\(key)' of \(what)") { globs[key] = list }
            }
            let reason = fields["reason"].flatMap { string($0, "'reason' of \(what)", nonEmpty: true) }
            if globs.values.allSatisfy(\.isEmpty) && globKeys.allSatisfy({ fields[$0] == nil || globs[$0] != nil }) {
                report("\(what) matches no job: give transformations, queues or container_options globs", at: element)
                continue
            }
            if let reason {
                result.append(Exemption(transformations: globs["transformations"] ?? [], queues: globs["queues"] ?? [],
                                        containerOptions: globs["container_options"] ?? [], reason: reason))
            }
        }
        return result
    }
}
