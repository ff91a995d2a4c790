/// The family a policy rule belongs to, from the stable prefix of its ID (DESIGN.md "Rule IDs":
/// ISO-*, PRIV-*, TRACE-*, NODE-*). Records carry only rule IDs, so the family is decided here,
/// once, for the policy engine, the check verdict and the index alike: a job is isolated when no
/// rule of the `isolation` family fails for it.
public enum RuleFamily: String, Sendable, CaseIterable {
    /// Payload versus pilot, and versus other payloads (ISO-UID, ISO-PIDNS, ..., ISO-XPAYLOAD).
    case isolation
    /// The payload's own privileges (PRIV-NNP, PRIV-CAPS).
    case privilege
    /// Attribution of processes to jobs (TRACE-ATTR, TRACE-CGROUP).
    case traceability
    /// Facts of the node, judged once per audit (NODE-PTRACE, NODE-USERNS, NODE-SETUID).
    case node
    /// An ID with none of the prefixes above (a site's own rule).
    case other

    /// The family of the rule with ID `ruleID`.
    public init(ruleID: String) {
        if ruleID.hasPrefix("ISO-") { self = .isolation }
        else if ruleID.hasPrefix("PRIV-") { self = .privilege }
        else if ruleID.hasPrefix("TRACE-") { self = .traceability }
        else if ruleID.hasPrefix("NODE-") { self = .node }
        else { self = .other }
    }
}
