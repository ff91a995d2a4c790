import Base

/// One rule of a policy: a check kind, graded and explained, with the text it implements.
public struct PolicyRule: Sendable, Equatable {
    /// Stable ID other tools match on (ISO-UID, PRIV-NNP, ...; DESIGN.md "Rule IDs").
    public var id: String
    /// Isolation, privilege, traceability or node, from the ID (`RuleFamily`).
    public var family: RuleFamily { RuleFamily(ruleID: id) }
    public var title: String
    public var check: CheckKind
    public var severity: Severity
    public var parameters: [String: PolicyValue]
    /// What a site changes when the rule fails.
    public var remediation: String
    /// The policy texts this rule implements, quoted verbatim.
    public var sources: [PolicySource]
    public var exemptions: [Exemption]
    /// False to switch a rule off in a site override (its findings are then `skip`).
    public var enabled: Bool

    public init(id: String, title: String, check: CheckKind, severity: Severity, parameters: [String: PolicyValue] = [:],
                remediation: String, sources: [PolicySource] = [], exemptions: [Exemption] = [], enabled: Bool = true) {
        self.id = id
        self.title = title
        self.check = check
        self.severity = severity
        self.parameters = parameters
        self.remediation = remediation
        self.sources = sources
        self.exemptions = exemptions
        self.enabled = enabled
    }
}

/// A policy document and clause, with the exact words quoted (../shared/reference/policy-sources.md).
public struct PolicySource: Sendable, Equatable {
    public var document: String
    public var clause: String
    public var quote: String

    public init(document: String, clause: String, quote: String) {
        self.document = document
        self.clause = clause
        self.quote = quote
    }
}

/// Jobs a rule's failure is tolerated for: a matching failure becomes `warn` with the reason.
/// Each list is a set of globs; a job matches when any non-empty list matches.
public struct Exemption: Sendable, Equatable {
    /// Globs on the payload root's arguments (the transformation, e.g. `*EVNTMerge*`).
    public var transformations: [String]
    /// Globs on the pilot's queue (`-q <queue>` in its argv).
    public var queues: [String]
    /// Globs on the arguments of the job's container runtime processes (e.g. an Apptainer option).
    public var containerOptions: [String]
    public var reason: String

    public init(transformations: [String] = [], queues: [String] = [], containerOptions: [String] = [], reason: String) {
        self.transformations = transformations
        self.queues = queues
        self.containerOptions = containerOptions
        self.reason = reason
    }
}
