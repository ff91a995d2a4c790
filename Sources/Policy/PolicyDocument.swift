import Jobs
import Yams

/// What one policy file says, before it is merged with the file it `extends`: every field is
/// optional, because an extending file gives only what it changes (see policies/site-example.yaml).
struct PolicyDocument {
    static let keys = ["extends", "id", "version", "title", "pilots", "credentials", "environment", "batch_systems", "rules"]
    static let pilotKeys = ["interpreters", "scripts", "wrappers", "job_directory_prefix"]
    static let credentialKeys = ["environment_variables", "paths"]
    static let environmentKeys = ["extra_allowlist"]
    /// Credential locations of a standalone policy that has no `credentials` section.
    static let defaultCredentials = CredentialLocations(environmentVariables: ["X509_USER_PROXY"], paths: ["/tmp/x509up_u{uid}"])

    var id: String?
    var version: String?
    var title: String?
    var interpreters: [String]?
    var scripts: [String]?
    var wrappers: [String]?
    var jobDirectoryPrefix: String?
    var credentialVariables: [String]?
    var credentialPaths: [String]?
    var extraAllowlist: [String]?
    var batchSystems: [BatchSystemEntry] = []
    var rules: [RuleEntry] = []

    /// The policy this file defines on top of `base` (nil for a standalone file): a key given
    /// here replaces the base's value whole; a rule entry overrides the base rule with its id or
    /// adds a new rule after the base's. Nil when something required is missing (already reported).
    func policy(base: Policy?, sha256: String) -> Policy? {
        guard let id, let version else { return nil }
        let pilots = base?.pilots ?? .default
        let credentials = base?.credentials ?? Self.defaultCredentials
        var rules = base?.rules ?? []
        for entry in self.rules {
            let index = rules.firstIndex { $0.id == entry.id }
            guard let rule = entry.rule(over: index.map { rules[$0] }) else { return nil }
            if let index { rules[index] = rule } else { rules.append(rule) }
        }
        return Policy(
            id: id, version: version, title: title ?? base?.title ?? "",
            pilots: PilotPatterns(
                interpreters: interpreters ?? pilots.interpreters, scripts: scripts ?? pilots.scripts,
                wrappers: wrappers ?? pilots.wrappers, jobDirectoryPrefix: jobDirectoryPrefix ?? pilots.jobDirectoryPrefix),
            credentials: CredentialLocations(
                environmentVariables: credentialVariables ?? credentials.environmentVariables,
                paths: credentialPaths ?? credentials.paths),
            extraEnvironment: extraAllowlist ?? base?.extraEnvironment ?? [],
            rules: rules, sha256: sha256,
            batchSystems: BatchSystemEntry.merge(batchSystems, over: base?.batchSystems ?? []))
    }
}

extension PolicyYAMLReader {
    /// Reads the top-level mapping `fields` (already checked for unknown keys) of a file that
    /// extends `base` (nil for a standalone file).
    mutating func document(_ fields: YAMLFields, base: BaseRules?) -> PolicyDocument {
        var document = PolicyDocument()
        for name in ["id", "version"] + (base == nil ? ["rules"] : []) where fields[name] == nil {
            report("the policy is missing required key '\(name)'", at: fields.node)
        }
        if let node = fields["id"] { document.id = string(node, "'id'", nonEmpty: true) }
        if let node = fields["version"] { document.version = string(node, "'version'", nonEmpty: true) }
        if let node = fields["title"] { document.title = string(node, "'title'") }
        if let node = fields["pilots"], let pilots = self.fields(node, of: "'pilots'", allowed: PolicyDocument.pilotKeys) {
            document.interpreters = pilots["interpreters"].flatMap { stringList($0, "'pilots.interpreters'") }
            document.scripts = pilots["scripts"].flatMap { stringList($0, "'pilots.scripts'") }
            document.wrappers = pilots["wrappers"].flatMap { stringList($0, "'pilots.wrappers'") }
            if let node = pilots["job_directory_prefix"], let prefix = string(node, "'pilots.job_directory_prefix'", nonEmpty: true) {
                if prefix.contains("/") { report("'pilots.job_directory_prefix' is one path component and cannot contain '/'", at: node) }
                document.jobDirectoryPrefix = prefix
            }
        }
        if let node = fields["credentials"],
           let credentials = self.fields(node, of: "'credentials'", allowed: PolicyDocument.credentialKeys) {
            if let node = credentials["environment_variables"] {
                document.credentialVariables = variableNames(node, "'credentials.environment_variables'")
            }
            if let node = credentials["paths"], let paths = stringList(node, "'credentials.paths'") {
                for (path, element) in zip(paths, node.array()) where !path.hasPrefix("/") {
                    report("credential path '\(path)' must be absolute", at: element)
                }
                document.credentialPaths = paths
            }
        }
        if let node = fields["environment"],
           let environment = self.fields(node, of: "'environment'", allowed: PolicyDocument.environmentKeys),
           let list = environment["extra_allowlist"] {
            document.extraAllowlist = variableNames(list, "'environment.extra_allowlist'")
        }
        if let node = fields["batch_systems"] { document.batchSystems = batchSystems(node) }
        if let node = fields["rules"], let list = sequence(node, "'rules'") {
            if list.isEmpty && base == nil { report("'rules' is empty: a policy needs at least one rule", at: node) }
            var firstLine: [String: Int] = [:]
            for (index, element) in list.enumerated() {
                guard let entry = ruleEntry(element, index: index, base: base) else { continue }
                if let id = entry.id {
                    let line = self.line(of: entry.idNode)
                    if let first = firstLine[id] {
                        report("duplicate rule id '\(id)' (first defined at line \(first))", at: entry.idNode)
                        continue
                    }
                    firstLine[id] = line
                }
                document.rules.append(entry)
            }
        }
        return document
    }

    /// Environment variable names: letters, digits and underscores, not starting with a digit.
    private mutating func variableNames(_ node: Node, _ what: String) -> [String]? {
        guard let names = stringList(node, what) else { return nil }
        for (name, element) in zip(names, node.array()) {
            let valid = !name.isEmpty && name.first.map { !$0.isNumber } == true
                && name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
            if !valid { report("'\(name)' in \(what) is not an environment variable name", at: element) }
        }
        return names
    }
}
