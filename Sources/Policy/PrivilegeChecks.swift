import Base
import ProcFS

/// PRIV-*: what the payload could gain.
enum PrivilegeChecks {
    /// PRIV-NNP: every payload process (container runtime machinery aside) has NoNewPrivs, so
    /// setuid binaries and file capabilities cannot raise its privileges.
    static func noNewPrivs(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        var checked = 0
        for process in context.payload where !context.isRuntimeProcess(process) {
            guard let status = process.status else { return rule.skip(process.pid, "payload process \(process.pid): status unreadable") }
            checked += 1
            if !status.noNewPrivs {
                return rule.fail(process.pid, "payload process \(process.pid) (\(process.stat.comm)) runs without NoNewPrivs",
                                 ["no_new_privs": false, "command": .string(process.commandSummary)])
            }
        }
        return rule.pass(context.job.rootPID, "all \(checked) payload processes have NoNewPrivs", ["no_new_privs": true])
    }

    /// PRIV-CAPS: no effective capabilities while in the initial user namespace. Capabilities held
    /// in a child user namespace only act on that namespace's resources: they pass, shown as evidence.
    static func noCapabilities(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        var inChildNamespace: [EvidenceValue] = []
        for process in context.payload where !context.isRuntimeProcess(process) {
            guard let status = process.status else { return rule.skip(process.pid, "payload process \(process.pid): status unreadable") }
            let effective = status.capabilities.effective
            guard effective != 0 else { continue }
            guard let userNS = process.namespaces[.user] else {
                return rule.skip(process.pid, "payload process \(process.pid) has capabilities but its user namespace is unreadable")
            }
            if userNS == initialUserNamespace {
                return rule.fail(process.pid, "payload process \(process.pid) (\(process.stat.comm)) has effective capabilities \(Capability.hex(effective)) in the initial user namespace",
                                 ["cap_eff": .string(Capability.hex(effective)), "user_ns": .int(userNS)])
            }
            inChildNamespace.append(.string("\(process.pid): \(Capability.hex(effective)) in user ns \(userNS)"))
        }
        if inChildNamespace.isEmpty {
            return rule.pass(context.job.rootPID, "no payload process has effective capabilities")
        }
        return rule.pass(context.job.rootPID, "capabilities only inside a child user namespace", ["capabilities": .list(inChildNamespace)])
    }
}
