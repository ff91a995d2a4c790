import Yams

/// Reads the YAML nodes of one policy file into typed values and collects every problem with its
/// line and column instead of stopping at the first, so `policy lint` can show them all at once.
/// Each accessor returns nil after reporting when the node has the wrong shape.
struct PolicyYAMLReader {
    /// The file as named in issues.
    let file: String
    private(set) var issues: [PolicyLintIssue] = []
    /// Where the nodes start, for nodes `PolicyComposer` made (they have no `Mark`).
    var positions = NodePositions()

    init(file: String) { self.file = file }

    /// The issues in file order (line, then column; equal positions in the order found).
    var sortedIssues: [PolicyLintIssue] {
        issues.enumerated().sorted { a, b in
            (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
        }.map(\.element)
    }

    /// A problem of the whole file (unreadable, empty): reported at 1:1.
    mutating func report(_ message: String) {
        report(message, at: nil as Mark?)
    }

    mutating func report(_ message: String, at node: Node?) {
        let position = node.flatMap { positions.of($0) }
        report(message, line: position?.line ?? 1, column: position?.column ?? 1)
    }

    /// The line a node starts on (0 when unknown).
    func line(of node: Node?) -> Int { node.flatMap { positions.of($0) }?.line ?? 0 }

    /// Positions are libyaml's, 1-based; a node without one (never from `compose`) is put at 1:1.
    mutating func report(_ message: String, at mark: Mark?) {
        report(message, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func report(_ message: String, line: Int, column: Int) {
        issues.append(PolicyLintIssue(file: file, line: line, column: column, message: message))
    }

    /// The entries of a mapping. Reports a key not in `allowed` (with the keys that are), a
    /// required key that is absent, and a key that is not a plain string.
    mutating func fields(_ node: Node, of owner: String, allowed: [String], required: [String] = []) -> YAMLFields? {
        guard case .mapping(let mapping) = node else {
            report("\(owner) must be a mapping, found \(node.kindDescription)", at: node)
            return nil
        }
        var fields = YAMLFields(node: node)
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                report("\(owner) has a key that is not a string (\(key.kindDescription))", at: key)
                continue
            }
            guard allowed.contains(scalar.string) else {
                report("unknown key '\(scalar.string)' in \(owner); expected one of: \(allowed.joined(separator: ", "))", at: key)
                continue
            }
            fields.values[scalar.string] = value
            fields.keys[scalar.string] = key
        }
        for name in required where fields[name] == nil {
            report("\(owner) is missing required key '\(name)'", at: node)
        }
        return fields
    }

    /// Any scalar but null, as written (`version: 1.0` is "1.0").
    mutating func string(_ node: Node, _ what: String, nonEmpty: Bool = false) -> String? {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            report("\(what) must be a string, found \(node.kindDescription)", at: node)
            return nil
        }
        if nonEmpty && scalar.string.allSatisfy(\.isWhitespace) {
            report("\(what) must not be empty", at: node)
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node, _ what: String) -> Int? {
        guard node.scalar != nil, node.tagName == .int, let value = node.int else {
            report("\(what) must be an integer, found \(node.kindDescription)", at: node)
            return nil
        }
        return value
    }

    mutating func boolean(_ node: Node, _ what: String) -> Bool? {
        guard node.scalar != nil, node.tagName == .bool, let value = node.bool else {
            report("\(what) must be true or false, found \(node.kindDescription)", at: node)
            return nil
        }
        return value
    }

    mutating func sequence(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report("\(what) must be a list, found \(node.kindDescription)", at: node)
            return nil
        }
        return Array(sequence)
    }

    /// A list of strings; every bad element is reported, and then the whole list is nil.
    mutating func stringList(_ node: Node, _ what: String) -> [String]? {
        guard case .sequence(let sequence) = node else {
            report("\(what) must be a list of strings, found \(node.kindDescription)", at: node)
            return nil
        }
        var result: [String] = []
        var ok = true
        for element in sequence {
            if let value = string(element, "each entry of \(what)") { result.append(value) } else { ok = false }
        }
        return ok ? result : nil
    }
}

/// The entries of one YAML mapping by key, keeping the key nodes for positions.
struct YAMLFields {
    /// The mapping itself: where a missing key is reported.
    let node: Node
    var values: [String: Node] = [:]
    var keys: [String: Node] = [:]

    subscript(name: String) -> Node? { values[name] }
}

extension Node {
    /// The resolved tag's name (`!!int`, `!!null`, ...): quoted scalars are always strings. A
    /// scalar whose tag is still to be resolved (plain, no explicit tag) is resolved as
    /// `Resolver.default` would, by `PlainScalarTag`: the policy is composed with
    /// `Resolver.basic` (`PolicyLoader`), which would call it a string.
    var tagName: Tag.Name {
        if case .scalar(let scalar) = self, scalar.tag.description == Tag.Name.implicit.rawValue {
            return PlainScalarTag.of(scalar.string).name
        }
        return Tag.Name(rawValue: tag.rawValue)
    }

    /// How an issue names what was found instead ("a list", "a string ('abc')", "nothing (null)").
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch tagName {
            case .null: return "nothing (null)"
            case .int: return "an integer (\(scalar.string))"
            case .float: return "a number (\(scalar.string))"
            case .bool: return "a boolean (\(scalar.string))"
            default: return "a string ('\(scalar.string)')"
            }
        }
    }
}
