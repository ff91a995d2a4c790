import Plot

/// Body content of a report page.
typealias BodyNode = Node<HTML.BodyContext>

/// Inline SVG elements through Plot (it has no SVG vocabulary): every attribute value is escaped
/// by `HTMLText`, text content too. Empty elements are self-closed (`<rect .../>`), which both
/// the HTML parser (foreign content) and an XML parser read the same way.
enum SVG {
    static func element(_ name: String, _ attributes: KeyValuePairs<String, String>, _ children: [BodyNode] = []) -> BodyNode {
        let attributeNodes: [BodyNode] = attributes.map { .untrustedAttribute($0.key, $0.value) }
        if children.isEmpty {
            return .selfClosedElement(named: name, attributes: attributes.map {
                Attribute<HTML.BodyContext>(name: $0.key, value: HTMLText.escape($0.value))
            })
        }
        return .element(named: name, nodes: attributeNodes + children)
    }

    /// `<text>` with escaped content.
    static func text(_ content: String, _ attributes: KeyValuePairs<String, String>) -> BodyNode {
        element("text", attributes, [.untrusted(content)])
    }

    /// `<tspan>` with escaped content and an optional class.
    static func span(_ content: String, className: String? = nil) -> BodyNode {
        guard let className else { return .element(named: "tspan", nodes: [.untrusted(content)]) }
        return element("tspan", ["class": className], [.untrusted(content)])
    }

    /// `<title>`: the tooltip a browser shows, and what a screen reader reads.
    static func title(_ content: String) -> BodyNode {
        .element(named: "title", nodes: [.untrusted(content)])
    }
}
