import Foundation
import Testing
import TestSupport
import Yams
@testable import Policy

/// The one-pass composer gives the nodes `Yams.compose(yaml:, .basic)` gives, node by node (text,
/// tag, style, anchor, position), reports the alias `YAMLAliasCheck` reports, and leaves to the old
/// way whatever it does not take.
@Suite struct PolicyComposerTests {
    static let texts: [String] = [
        "",
        "# only a comment\n",
        "id: x\nversion: \"1\"\nrules: []\n",
        "a: {b: 1, 'c': \"d\", e: [1, 2.5, ~, true, 0x1f]}\nf: !!str 3\ng: !custom h\n",
        "list:\n  - |\n    literal\n    text\n  - >-\n    folded\n    text\n  - 'single ''quoted'''\n",
        "anchored: &a value\nother: &b {x: 1}\nseq: &c [1]\n",
        "é: ü\n\"quoted key\": 1\n? complex\n: 2\n",
        "--- \nid: doc\n...\n",
        "key: value # trailing comment\n\n\n  # indented comment\nnext:\n- 1\n-   - nested\n    - list\n",
        "tab:\t'x'\nempty:\nnull: null\n",
    ]

    @Test func sameNodesAsYams() throws {
        var texts = Self.texts
        for name in ["wlcg-mupj.yaml", "site-example.yaml"] {
            texts.append(try String(contentsOfFile: Repository.rootURL.appendingPathComponent("policies/\(name)").path, encoding: .utf8))
        }
        for text in texts {
            guard case .document(let node, let positions) = PolicyComposer.compose(text) else {
                Issue.record("not composed in one pass: \(text.prefix(60))")
                continue
            }
            let expected = try Yams.compose(yaml: text, .basic)
            #expect((node == nil) == (expected == nil), "\(text.prefix(60))")
            if let node, let expected { compare(node, positions, expected, text) }
        }
    }

    private func compare(_ node: Node, _ positions: NodePositions, _ expected: Node, _ text: String) {
        let position = positions.of(node)
        #expect(position?.line == expected.mark?.line && position?.column == expected.mark?.column, "\(text.prefix(60))")
        // The tags as composed (`Node.tag` would resolve them, and write the resolved name into them).
        let tag = NodePositions.ownTag(node)?.description, expectedTag = NodePositions.ownTag(expected)?.description
        #expect(tag == expectedTag && node.anchor == expected.anchor, "\(tag ?? "-") vs \(expectedTag ?? "-"): \(text.prefix(60))")
        switch (node, expected) {
        case (.scalar(let a), .scalar(let b)):
            #expect(a.string == b.string && a.style == b.style, "\(a.string)")
        case (.sequence(let a), .sequence(let b)):
            #expect(a.style == b.style && a.count == b.count)
            for (x, y) in zip(a, b) { compare(x, positions, y, text) }
        case (.mapping(let a), .mapping(let b)):
            #expect(a.style == b.style && a.count == b.count)
            for (x, y) in zip(a, b) {
                compare(x.key, positions, y.key, text)
                compare(x.value, positions, y.value, text)
            }
        default:
            Issue.record("different kinds of node: \(text.prefix(60))")
        }
    }

    /// Plain scalars that are values keep their unresolved tag through composing (an integer
    /// parameter is an integer); keys are resolved, as Yams' duplicate check resolves them.
    @Test func plainScalarsStayUnresolved() throws {
        let text = try String(contentsOfFile: Repository.rootURL.appendingPathComponent("policies/wlcg-mupj.yaml").path, encoding: .utf8)
        guard case .document(let node?, _) = PolicyComposer.compose(text) else { Issue.record("not composed"); return }
        var plain = 0
        func walk(_ node: Node) {
            switch node {
            case .scalar(let scalar) where scalar.style == .plain:
                plain += 1
                #expect(scalar.tag.description == Tag.Name.implicit.rawValue, "\(scalar.string)")
            case .mapping(let mapping):
                for pair in mapping {
                    #expect(NodePositions.ownTag(pair.key)?.description == Tag.Name.str.rawValue)
                    walk(pair.value)
                }
            case .sequence(let sequence): for element in sequence { walk(element) }
            default: break
            }
        }
        walk(node)
        #expect(plain > 50)
        #expect(try PolicyLoader.load(path: Repository.path("policies/wlcg-mupj.yaml")).rules.count > 10)
    }

    @Test func aliasWhereTheCheckFindsIt() {
        for text in ["a: &x 1\nb: *x\n", "a: [1, *y]\n", "*z\n", "a: &x 1\n*x : 2\n", "a: &x 1\nb: *x\nc: *x\n"] {
            guard case .alias(let line, let column) = PolicyComposer.compose(text) else {
                Issue.record("alias not reported: \(text)")
                continue
            }
            let expected = YAMLAliasCheck.firstAlias(in: text)
            #expect(expected?.line == line && expected?.column == column, "\(text)")
        }
    }

    @Test func leavesTheRestToTheOldWay() {
        let texts = [
            "a: 1\na: 2\n",            // a duplicate key: Yams decides
            "a: 1\n\"a\": 2\n",        // equal text, other style
            "[1]: x\n",                // a key that is not a scalar
            "a: 1\n--- \nb: 2\n",      // a second document
            "\u{FEFF}a: 1\n",          // a byte order mark
            "a: [1, 2\n",              // a syntax error
            "a: b: c\n",
        ]
        for text in texts {
            guard case .fallback = PolicyComposer.compose(text) else {
                Issue.record("taken in one pass: \(text)")
                continue
            }
        }
    }
}
