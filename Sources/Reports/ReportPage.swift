import Plot

/// The frame every report shares: a complete, self-contained HTML document (inline CSS, no
/// scripts, no external resources) that is also well-formed XML, so a strict XML parser can check
/// it; the content security policy forbids scripts and fetches even if something slipped through.
enum ReportPage {
    static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

    static func render(title: String, body: [BodyNode]) -> String {
        let html = HTML(
            .attribute(named: "xmlns", value: "http://www.w3.org/1999/xhtml"),
            .lang(.english),
            .head(
                .meta(.attribute(named: "charset", value: "utf-8")),
                .meta(.attribute(named: "http-equiv", value: "Content-Security-Policy"),
                      .attribute(named: "content", value: HTMLText.escape(contentSecurityPolicy))),
                .meta(.attribute(named: "name", value: "viewport"), .attribute(named: "content", value: "width=device-width")),
                .meta(.attribute(named: "name", value: "generator"), .attribute(named: "content", value: "isotrace")),
                .element(named: "title", nodes: [.untrusted(title)]),
                .style(ReportStyle.css)
            ),
            .body(.group(body))
        )
        return html.render() + "\n"
    }

    /// `<dl class="facts">` from label/value pairs; nil values are left out.
    static func facts(_ pairs: [(String, BodyNode?)]) -> BodyNode {
        .dl(.class("facts"), .group(pairs.compactMap { label, value in
            value.map { Node<HTML.DescriptionListContext>.group(.dt(.untrusted(label)), .dd($0)) }
        }))
    }

    static func text(_ value: String?) -> BodyNode? { value.map { .untrusted($0) } }
    static func code(_ value: String?) -> BodyNode? { value.map { .code(.untrusted($0)) } }

    static func badge(_ text: String, _ className: String) -> BodyNode {
        .span(.class("badge \(className)"), .untrusted(text))
    }

    static func table(headers: [String], rows: [Node<HTML.TableContext>], className: String? = nil) -> BodyNode {
        .table(
            .if(className != nil, .class(className ?? "")),
            .thead(.tr(.group(headers.map { .th(.untrusted($0)) }))),
            .tbody(.group(rows))
        )
    }

    static func cell(_ node: BodyNode, className: String? = nil) -> Node<HTML.TableRowContext> {
        guard let className else { return .td(node) }
        return .td(.class(className), node)
    }

    static func cell(_ text: String?, className: String? = nil) -> Node<HTML.TableRowContext> {
        cell(.untrusted(text ?? "–"), className: className)
    }

    static func footer(generator: String, generatedAt: String) -> BodyNode {
        .footer(.p(.untrusted("Generated \(generatedAt) by \(generator). One self-contained file: no scripts, "
            + "no network fetches. Command lines and paths are shown as the node reported them: invalid UTF-8 bytes "
            + "and invisible or control characters appear as \\xNN or \\u{NNNN}; secrets were redacted by the sampler.")))
    }
}
