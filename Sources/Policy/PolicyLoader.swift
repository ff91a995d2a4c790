import Base
import Crypto
import Foundation
import Yams

/// Loads policy files (`policies/*.yaml`) into `Policy` values, and lints them: every problem in
/// a file is reported with its line and column, not only the first.
///
/// A file either stands alone or `extends` a base file (a path relative to its own directory):
/// then its sections replace the base's keys they name, and its rule entries override base rules
/// by id or add new ones (policies/site-example.yaml explains the rules). The policy's `sha256`
/// covers the bytes of every file in the chain, base first, so an audit names the exact policy.
public struct PolicyLoader {
    /// The policy in the file at `path`; throws with every issue when there is any.
    public static func load(path: String) throws(PolicyLoadError) -> Policy {
        let loaded = loadFile(path: path, chain: [])
        guard loaded.issues.isEmpty, let policy = loaded.policy else {
            throw PolicyLoadError(issues: loaded.issues.isEmpty
                ? [PolicyLintIssue(file: path, line: 1, column: 1, message: "the policy could not be built")]
                : loaded.issues)
        }
        return policy
    }

    /// Every issue in the file at `path` and in the files it extends; empty when it is clean.
    public static func lint(path: String) -> [PolicyLintIssue] {
        do {
            _ = try load(path: path)
            return []
        } catch {
            return error.issues
        }
    }

    /// One file of a chain, loaded as far as it could be.
    private struct LoadedFile {
        var policy: Policy?
        var issues: [PolicyLintIssue]
        /// The bytes of the chain up to and including this file, base first (hashed).
        var chainBytes: [UInt8] = []
        /// Rule IDs and check kinds this file defines (with its base's), for files extending it.
        var ruleChecks: [String: CheckKind?] = [:]
        /// False when not even the YAML could be read.
        var parsed = false
    }

    /// `chain` holds the resolved paths of the files extending this one, to refuse cycles.
    private static func loadFile(path: String, chain: [String]) -> LoadedFile {
        var reader = PolicyYAMLReader(file: path)
        guard let bytes = try? Syscalls.readRange(path, from: 0) else {
            reader.report("cannot read the policy file")
            return LoadedFile(issues: reader.issues)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            reader.report("the policy file is not valid UTF-8")
            return LoadedFile(issues: reader.issues)
        }
        let aliasMessage = "YAML aliases (*name) are not allowed in a policy file: each one repeats a whole subtree, "
            + "so a few lines can expand beyond any limit; write the values out"
        let composed: Node?
        switch PolicyComposer.compose(text) {
        case .document(let node, let positions):
            composed = node
            reader.positions = positions
        case .alias(let line, let column):
            reader.report(aliasMessage, line: line, column: column)
            return LoadedFile(issues: reader.issues)
        case .fallback:
            // The old way, for what the one pass leaves to it (see PolicyComposer).
            if let alias = YAMLAliasCheck.firstAlias(in: text) {
                reader.report(aliasMessage, line: alias.line, column: alias.column)
                return LoadedFile(issues: reader.issues)
            }
            do {
                composed = try Self.compose(text)
            } catch {
                let (message, line, column) = describe(error, in: text)
                reader.report(message, line: line, column: column)
                return LoadedFile(issues: reader.issues)
            }
        }
        guard let root = composed else {
            reader.report("the policy file is empty; expected a mapping with id, version and rules")
            return LoadedFile(issues: reader.issues)
        }
        // Lint quotes keys and values in its messages: never those of a file that is not a
        // policy at all (`extends: /etc/shadow`, `policy lint` of the wrong file).
        guard Self.looksLikePolicy(root) else {
            reader.report(root.mapping == nil
                ? "the policy must be a mapping, found \(Self.shape(of: root)); not a policy file (its content is not shown)"
                : "not a policy file: a mapping without any of the keys \(PolicyDocument.keys.joined(separator: ", ")) (its content is not shown)")
            return LoadedFile(issues: reader.issues, parsed: true)
        }
        guard let fields = reader.fields(root, of: "the policy", allowed: PolicyDocument.keys) else {
            return LoadedFile(issues: reader.issues, parsed: true)
        }

        var base: LoadedFile?
        var baseRules: BaseRules?
        if let node = fields["extends"] {
            // Even with a bad or unreadable base this is an extending file: its entries are overrides.
            let name = reader.string(node, "'extends'", nonEmpty: true) ?? ""
            let basePath = name.hasPrefix("/") ? name : directory(of: path) + name
            let resolved = URL(fileURLWithPath: basePath).standardizedFileURL.resolvingSymlinksInPath().path
            let own = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if name.isEmpty {
                // reported by `string`
            } else if !(name.hasSuffix(".yaml") || name.hasSuffix(".yml")) {
                reader.report("'extends: \(name)' does not name a policy file (policies end in .yaml or .yml); it was not read", at: node)
            } else if chain.contains(resolved) || resolved == own {
                reader.report("'extends: \(name)' makes a cycle: that file extends this one", at: node)
            } else if !Syscalls.isReadable(basePath) {
                reader.report("cannot read the base policy '\(name)' (looked for \(basePath))", at: node)
            } else {
                let loaded = loadFile(path: basePath, chain: chain + [own])
                base = loaded
                if !loaded.parsed {
                    reader.report("the base policy '\(name)' could not be read; its rules are unknown", at: node)
                }
            }
            baseRules = BaseRules(name: name.isEmpty ? "the base policy" : name, checks: base?.ruleChecks ?? [:], available: base?.parsed ?? false)
        }

        let document = reader.document(fields, base: baseRules)
        var loaded = LoadedFile(issues: (base?.issues ?? []) + reader.sortedIssues, parsed: true)
        loaded.chainBytes = (base?.chainBytes ?? []) + bytes
        loaded.ruleChecks = base?.ruleChecks ?? [:]
        for entry in document.rules {
            guard let id = entry.id else { continue }
            if loaded.ruleChecks[id] == nil { loaded.ruleChecks[id] = .some(entry.check) }
        }
        let baseMissing = fields["extends"] != nil && base?.policy == nil
        if loaded.issues.isEmpty && !baseMissing {
            loaded.policy = document.policy(base: base?.policy, sha256: hex(SHA256.hash(data: loaded.chainBytes)))
        }
        return loaded
    }

    /// True for a mapping with at least one of the policy's top-level keys.
    private static func looksLikePolicy(_ root: Node) -> Bool {
        guard case .mapping(let mapping) = root else { return false }
        return mapping.keys.contains { key in key.scalar.map { PolicyDocument.keys.contains($0.string) } ?? false }
    }

    /// What a node is, without its content.
    private static func shape(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar: return "a single value"
        case .alias: return "an alias"
        }
    }

    /// The policy's YAML as nodes. Composed with `Resolver.basic`, which resolves no tag with a
    /// regular expression (`Node.tagName` resolves a value's tag when it is asked, as
    /// `Resolver.default` would). Keys equal under the default resolver are equal under the
    /// basic one; the basic one also takes `yes` and `"yes"` for the same key: a duplicate it
    /// reports is checked again with the default resolver, whose verdict and message stand.
    static func compose(_ text: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: text, .basic)
        } catch YamlError.duplicatedKeysInMapping {
            return try Yams.compose(yaml: text)
        }
    }

    /// A YAML error as a message and the position libyaml reported.
    private static func describe(_ error: Error, in text: String) -> (message: String, line: Int, column: Int) {
        guard let yamlError = error as? YamlError else { return ("cannot parse the policy file: \(error)", 1, 1) }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return ("YAML syntax error: \(problem)\(detail)", mark.line, mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ("duplicate key \(keys) in a mapping (its first occurrence is here); YAML keys must be unique",
                    context.mark.line, context.mark.column)
        case .reader(let problem, let offset, _, _):
            let (line, column) = offset.map { position(ofCharacter: $0, in: text) } ?? (1, 1)
            return ("cannot read the policy file as YAML: \(problem)", line, column)
        default:
            return ("cannot parse the policy file: \(yamlError)", 1, 1)
        }
    }

    /// Line and column (1-based, in Unicode scalars as libyaml counts) of a character offset.
    private static func position(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" { line += 1; column = 1 } else { column += character.unicodeScalars.count }
        }
        return (line, column)
    }

    /// `path`'s directory with a trailing slash, as written ("" for a bare file name).
    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }
}
