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
            for path in paths {
                let facts = inspector.inspect(path: path, throughPID: process.pid)
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
                if let how = readable(facts, by: process, status) {
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

    /// Why the process can read the file, or nil when it cannot (generic_permission in fs/namei.c).
    private func readable(_ facts: FileFacts, by process: ProcessSample, _ status: ProcessStatus) -> String? {
        let effective = status.capabilities.effective
        let hasDACCapability = Capability.dacOverride.isSet(in: effective) || Capability.dacReadSearch.isSet(in: effective)
        if hasDACCapability && capabilitiesApply(to: facts, process) {
            return "CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH"
        }
        let fsuid = status.uids[3], fsgid = status.gids[3]
        if fsuid == facts.uid { return facts.mode & 0o400 != 0 ? "owner \(fsuid) with mode \(String(facts.mode, radix: 8))" : nil }
        if fsgid == facts.gid || status.groups.contains(facts.gid) {
            return facts.mode & 0o040 != 0 ? "group \(facts.gid) with mode \(String(facts.mode, radix: 8))" : nil
        }
        return facts.mode & 0o004 != 0 ? "world-readable mode \(String(facts.mode, radix: 8))" : nil
    }

    /// Capabilities held in a child user namespace act on a file only when its owner and group
    /// are mapped into that namespace (privileged_wrt_inode_uidgid).
    private func capabilitiesApply(to facts: FileFacts, _ process: ProcessSample) -> Bool {
        guard let userNS = process.namespaces[.user], userNS != initialUserNamespace else { return true }
        func mapped(_ id: UInt32, _ map: [IDMapEntry]?) -> Bool {
            (map ?? []).contains { id >= $0.outside && UInt64(id) < UInt64($0.outside) + UInt64($0.count) }
        }
        return mapped(facts.uid, process.uidMap) && mapped(facts.gid, process.gidMap)
    }
}
