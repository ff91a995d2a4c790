import Yams

/// Checks a rule's `parameters` against what its check kind accepts (`CheckKind.parameters`,
/// `requiredParameters`) and the values each parameter may take.
enum RuleParameters {
    /// Namespace types of /proc/<pid>/ns that `different_namespace` can compare.
    static let namespaceTypes = ["pid", "mnt", "ipc", "net", "uts", "user", "cgroup", "time"]
    /// How `credentials_unreadable` grades a credential file whose ACLs it could not decide.
    static let aclVerdicts = ["warn", "fail"]
    /// kernel.yama.ptrace_scope takes 0 (classic) to 3 (no attach at all).
    static let ptraceScopes = 0...3

    /// A problem with `value` of parameter `name` for `check`, or nil when it is acceptable.
    static func problem(check: CheckKind, name: String, value: PolicyValue) -> String? {
        switch (check, name, value) {
        case (.differentNamespace, "namespace", .string(let type)) where !namespaceTypes.contains(type):
            return "namespace '\(type)' is not one of: \(namespaceTypes.joined(separator: ", "))"
        case (.credentialsUnreadable, "acl_verdict", .string(let verdict)) where !aclVerdicts.contains(verdict):
            return "acl_verdict '\(verdict)' is not one of: \(aclVerdicts.joined(separator: ", "))"
        case (.nodePtraceScope, "minimum", .integer(let minimum)) where !ptraceScopes.contains(minimum):
            return "minimum \(minimum) is not a ptrace_scope value (\(ptraceScopes.lowerBound) to \(ptraceScopes.upperBound))"
        case (.nodeSetuidRuntime, "paths", .stringList(let paths)):
            return paths.first { !$0.hasPrefix("/") }.map { "path '\($0)' must be absolute" }
        default:
            return nil
        }
    }
}

extension PolicyYAMLReader {
    /// Reads `parameters` of a rule whose check kind is `check` (nil when unknown: then only the
    /// shape is checked, as the kind's unknown check was reported already).
    mutating func parameters(_ node: Node, check: CheckKind?, owner: String) -> [String: PolicyValue]? {
        guard case .mapping(let mapping) = node else {
            report("'parameters' of \(owner) must be a mapping, found \(node.kindDescription)", at: node)
            return nil
        }
        var result: [String: PolicyValue] = [:]
        var ok = true
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                report("'parameters' of \(owner) has a key that is not a string", at: key)
                ok = false
                continue
            }
            guard let check else { continue }
            guard let kind = check.parameters[name] else {
                let accepted = check.parameters.keys.sorted()
                report("check kind '\(check.rawValue)' of \(owner) takes no parameter '\(name)'"
                       + (accepted.isEmpty ? " (it takes none)" : "; it accepts: \(accepted.joined(separator: ", "))"), at: key)
                ok = false
                continue
            }
            guard let parsed = parameterValue(value, kind: kind, what: "parameter '\(name)' of \(owner)") else {
                ok = false
                continue
            }
            if let problem = RuleParameters.problem(check: check, name: name, value: parsed) {
                report("\(problem) (parameter '\(name)' of \(owner))", at: value)
                ok = false
                continue
            }
            result[name] = parsed
        }
        if let check {
            for name in check.requiredParameters.sorted() where mapping[name] == nil {
                report("\(owner) is missing parameter '\(name)', required by check kind '\(check.rawValue)'", at: node)
                ok = false
            }
        }
        return ok ? result : nil
    }

    private mutating func parameterValue(_ node: Node, kind: PolicyValue.Kind, what: String) -> PolicyValue? {
        switch kind {
        case .string: return string(node, what, nonEmpty: true).map(PolicyValue.string)
        case .integer: return integer(node, what).map(PolicyValue.integer)
        case .boolean: return boolean(node, what).map(PolicyValue.boolean)
        case .stringList: return stringList(node, what).map(PolicyValue.stringList)
        }
    }
}
