import Plot

extension Node {
    /// Untrusted text, escaped by `HTMLText` (Plot's own `.text` keeps entity-like sequences).
    static func untrusted(_ text: String) -> Node { .raw(HTMLText.escape(text)) }

    /// An attribute whose value is escaped by `HTMLText` (Plot writes attribute values as they are).
    static func untrustedAttribute(_ name: String, _ value: String) -> Node {
        .attribute(named: name, value: HTMLText.escape(value))
    }
}
