import ProcFS

/// ISO-CRED: no pilot credential (the proxy in X509_USER_PROXY, /tmp/x509up_u<uid>, token files)
/// is readable by the payload. Each path is looked up through the payload's own root (so a
/// container that does not bind /tmp does not see the host's proxy) and access is decided from
/// the payload's fsuid, fsgid, groups and capabilities against the file's owner and mode.
struct CredentialCheck {
    let rule: PolicyRule
    let context: JobContext
    let policy: Policy
    let inspector: FileInspector

    func evaluate() -> Finding {
        let pilot = context.pilot
        guard let pilotUID = pilot.effectiveUID else { return rule.skip(pilot.pid, "pilot's uid unreadable") }
        let paths = policy.credentials.resolve(uid: pilotUID, environment: pilot.environment ?? [:])
        guard !paths.isEmpty else { return rule.skip(pilot.pid, "no credential locations in the policy") }
        var checked: [EvidenceValue] = []
        var undecided: Finding?
        for process in representatives() {
            guard let status = process.status else { return rule.skip(process.pid, "payload process \(process.pid): status unreadable") }
            for (path, facts) in zip(paths, inspector.inspect(paths: paths, throughPID: process.pid)) {
                if let error = facts.error {
                    return rule.skip(process.pid, "cannot inspect \(path) through pid \(process.pid): \(error)")
                }
                guard facts.exists else {
                    checked.append(.string("\(path): not present in pid \(process.pid)'s view"))
                    continue
                }
                let evidence: [String: EvidenceValue] = [
                    "path": .string(path), "viewed_through_pid": .int(process.pid),
                    "owner": .string("\(facts.uid):\(facts.gid)"), "mode": .string(String(facts.mode, radix: 8)),
                    "payload_fsuid": .int(status.uids[3]), "payload_fsgid": .int(status.gids[3]),
                    "payload_groups": .list(status.groups.map { .int($0) }), "acl": .boolean(facts.hasACL),
                ]
                if let how = FileAccess(facts: facts, process: process, status: status).allows(.read) {
                    return rule.fail(process.pid, "payload can read pilot credential \(path) (\(how))", evidence)
                }
                if facts.hasACL, undecided == nil {
                    let message = "\(path) carries a POSIX ACL: mode bits deny, the ACL may allow; check by hand"
                    // `acl_verdict: fail` lets a site treat an undecided ACL as a leak.
                    undecided = rule.parameters["acl_verdict"]?.string == "fail"
                        ? rule.fail(process.pid, message, evidence) : rule.warn(process.pid, message, evidence)
                }
                checked.append(.string("\(path): \(facts.uid):\(facts.gid) mode \(String(facts.mode, radix: 8)), not readable by pid \(process.pid)"))
            }
        }
        return undecided ?? rule.pass(context.job.rootPID, "no pilot credential readable by the payload", ["checked": .list(checked)])
    }

    /// One payload process per mount namespace: the view of the files is the same within one.
    private func representatives() -> [ProcessSample] {
        var seen: Set<UInt64> = []
        var result: [ProcessSample] = []
        for process in context.payload where !context.isRuntimeProcess(process) {
            let key = process.namespaces[.mnt] ?? UInt64(process.pid)
            if seen.insert(key).inserted { result.append(process) }
        }
        return result.isEmpty ? [context.job.root] : result
    }
}
