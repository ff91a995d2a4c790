extension PolicyRule {
    func pass(_ pid: Int32?, _ message: String, _ evidence: [String: EvidenceValue] = [:]) -> Finding {
        Finding(rule: id, status: .pass, severity: severity, pid: pid, message: message, evidence: evidence)
    }

    func fail(_ pid: Int32?, _ message: String, _ evidence: [String: EvidenceValue] = [:]) -> Finding {
        Finding(rule: id, status: .fail, severity: severity, pid: pid, message: message, evidence: evidence)
    }

    func warn(_ pid: Int32?, _ message: String, _ evidence: [String: EvidenceValue] = [:]) -> Finding {
        Finding(rule: id, status: .warn, severity: severity, pid: pid, message: message, evidence: evidence)
    }

    func skip(_ pid: Int32?, _ reason: String, _ evidence: [String: EvidenceValue] = [:]) -> Finding {
        Finding(rule: id, status: .skip, severity: severity, pid: pid, message: reason, evidence: evidence)
    }
}
