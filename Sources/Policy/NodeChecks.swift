import ProcFS

/// NODE-*: node settings that decide what isolation is possible at all.
struct NodeChecks {
    let rule: PolicyRule
    let snapshot: Snapshot
    let inspector: FileInspector

    func evaluate() -> Finding {
        switch rule.check {
        case .nodePtraceScope: return ptraceScope()
        case .nodeUserNamespaces: return userNamespaces()
        case .nodeSetuidRuntime: return setuidRuntimes()
        default: return rule.skip(nil, "not a node rule")
        }
    }

    /// NODE-PTRACE: kernel.yama.ptrace_scope at least `minimum` (default 1).
    private func ptraceScope() -> Finding {
        let minimum = rule.parameters["minimum"]?.integer ?? 1
        guard let scope = snapshot.node.ptraceScope else {
            return rule.fail(nil, "Yama is not active: classic ptrace permissions apply (as ptrace_scope 0)",
                             ["ptrace_scope": .null, "minimum": .int(minimum), "reason": .text(snapshot.node.unavailable["ptrace_scope"])])
        }
        let evidence: [String: EvidenceValue] = ["ptrace_scope": .int(scope), "minimum": .int(minimum)]
        return scope >= minimum
            ? rule.pass(nil, "kernel.yama.ptrace_scope is \(scope)", evidence)
            : rule.fail(nil, "kernel.yama.ptrace_scope is \(scope), below \(minimum)", evidence)
    }

    /// NODE-USERNS: informational, the state of user namespaces (unprivileged Apptainer needs them;
    /// they also widen the kernel's attack surface).
    private func userNamespaces() -> Finding {
        let node = snapshot.node
        let evidence: [String: EvidenceValue] = [
            "max_user_namespaces": .int(node.maxUserNamespaces), "unprivileged_userns_clone": .int(node.unprivilegedUsernsClone),
        ]
        guard let maximum = node.maxUserNamespaces else { return rule.skip(nil, "user.max_user_namespaces unreadable", evidence) }
        if maximum == 0 || node.unprivilegedUsernsClone == 0 {
            return rule.pass(nil, "unprivileged user namespaces are disabled", evidence)
        }
        return rule.pass(nil, "user namespaces enabled (max \(maximum)): unprivileged containers possible", evidence)
    }

    /// NODE-SETUID: informational, setuid container starters present on the node.
    private func setuidRuntimes() -> Finding {
        let paths = rule.parameters["paths"]?.stringList ?? []
        let setuid = paths.map { inspector.inspectHost(path: $0) }.filter { $0.exists && $0.isSetUID }
        if setuid.isEmpty {
            return rule.pass(nil, "no setuid container runtime among \(paths.count) known paths", ["checked": .list(paths.map { .string($0) })])
        }
        return rule.warn(nil, "setuid container runtime present: \(setuid.map(\.path).joined(separator: ", "))",
                         ["setuid": .list(setuid.map { .string($0.path) })])
    }
}
