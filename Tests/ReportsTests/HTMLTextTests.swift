import Foundation
import Plot
@testable import Reports
import TestSupport
import Testing

/// The escaping every untrusted string goes through, and why it exists: Plot 0.14 on its own does
/// not escape attribute values and keeps entity-like text as it is.
struct HTMLTextTests {
    @Test("markup, quotes and ampersands become character references")
    func escapesMarkup() {
        #expect(HTMLText.escape("<script>alert(\"x\")</script>") == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
        #expect(HTMLText.escape("a & b 'c'") == "a &amp; b &#39;c&#39;")
        #expect(HTMLText.escape("&lt;") == "&amp;lt;", "an entity in the input is shown as typed, not decoded")
        #expect(HTMLText.escape("plain /path/to-file_1.txt") == "plain /path/to-file_1.txt")
    }

    @Test("control, bidi, zero-width and noncharacters are made visible")
    func makesHiddenCharactersVisible() {
        #expect(HTMLText.visible("a\u{01}b\u{7F}c\u{9B}") == "a\\x01b\\x7fc\\x9b")
        #expect(HTMLText.visible("x\u{202E}gpj.exe") == "x\\u{202e}gpj.exe")
        #expect(HTMLText.visible("zero\u{200B}width\u{FEFF}") == "zero\\u{200b}width\\u{feff}")
        #expect(HTMLText.visible("\u{FFFE}\u{1FFFF}") == "\\u{fffe}\\u{1ffff}")
        #expect(HTMLText.visible("tab\tnewline\n") == "tab\\tnewline\\n", "one line per value: layout characters too")
        #expect(HTMLText.visible("grüße ✓ 日本") == "grüße ✓ 日本", "printable Unicode is kept")
    }

    @Test("Plot 0.14 alone keeps entity-like text and writes attribute values unescaped (why HTMLText exists)")
    func plotsOwnEscapingIsNotEnough() {
        let text = Node<HTML.BodyContext>.p(.text("&lt;b&gt; and a&b; <i>")).render()
        #expect(text == "<p>&lt;b&gt; and a&b; &lt;i&gt;</p>", "Plot passes entity-like sequences through: \(text)")
        let attribute = Node<HTML.BodyContext>.p(.attribute(named: "title", value: "\" onmouseover=\"x")).render()
        #expect(attribute == "<p title=\"\" onmouseover=\"x\"></p>", "Plot does not escape attribute values: \(attribute)")

        let safeText = Node<HTML.BodyContext>.p(.untrusted("&lt;b&gt; and a&b; <i>")).render()
        #expect(safeText == "<p>&amp;lt;b&amp;gt; and a&amp;b; &lt;i&gt;</p>")
        let safeAttribute = Node<HTML.BodyContext>.p(.untrustedAttribute("title", "\" onmouseover=\"x")).render()
        #expect(safeAttribute == "<p title=\"&quot; onmouseover=&quot;x\"></p>")
    }

    @Test("an escaped attribute and text parse back to the original under a strict XML parser",
          .enabled(if: ReportChecker.python != nil, "needs python3 (make deps installs it) for the strict parse"))
    func roundTripsThroughAStrictParser() throws {
        let hostile = "\"><script>alert(1)</script><b title='x' onclick=\"y\">&amp;&x;"
        let directory = try TestDirectory("isotrace-reports")
        defer { directory.remove() }
        let html = ReportPage.render(title: hostile, body: [
            .p(.untrustedAttribute("title", hostile), .untrusted(hostile)),
        ])
        let page = try ReportChecker.page(try directory.write(html, "page.html"))
        #expect(page.text == hostile, "the text reads back exactly")
        #expect(!page.elements.contains("script") && !page.elements.contains("b"))
        #expect(!page.attributes.contains("onclick"))
        #expect(page.attributes.contains("title"))
        #expect(!html.lowercased().contains("<script"))
    }
}
