/// The audit's summary bar: one SVG bar split into isolated (green) and not isolated (red) jobs,
/// with the counts written on it, so the verdict is read before anything else. A non-empty side
/// is at least `minimumSegment` wide, so its count stays visible.
enum SummaryBar {
    static let width = 1000
    static let height = 34
    static let minimumSegment = 80

    static func render(isolated: Int, notIsolated: Int) -> BodyNode {
        let total = isolated + notIsolated
        var nodes: [BodyNode] = [SVG.title("\(isolated) job(s) isolated, \(notIsolated) not isolated")]
        if total == 0 {
            nodes.append(SVG.element("rect", ["x": "0", "y": "0", "width": "\(width)", "height": "\(height)", "rx": "5", "class": "bar-none"]))
            nodes.append(SVG.text("no PanDA job on this node", ["x": "12", "y": "23", "class": "bar-label", "style": "fill:#5b6475"]))
        } else {
            // Neither side shrinks to nothing: one isolated job among a thousand still shows.
            let share = isolated * width / total
            let okWidth = isolated == 0 ? 0 : notIsolated == 0 ? width : min(max(share, minimumSegment), width - minimumSegment)
            if isolated > 0 {
                nodes.append(SVG.element("rect", ["x": "0", "y": "0", "width": "\(okWidth)", "height": "\(height)", "class": "bar-ok"]))
                nodes.append(SVG.text(label(isolated, "isolated", room: okWidth), ["x": "10", "y": "23", "class": "bar-label"]))
            }
            if notIsolated > 0 {
                nodes.append(SVG.element("rect", ["x": "\(okWidth)", "y": "0", "width": "\(width - okWidth)", "height": "\(height)", "class": "bar-bad"]))
                nodes.append(SVG.text(label(notIsolated, "not isolated", room: width - okWidth), ["x": "\(okWidth + 10)", "y": "23", "class": "bar-label"]))
            }
        }
        return SVG.element("svg", [
            "xmlns": "http://www.w3.org/2000/svg", "class": "bar", "role": "img",
            "viewBox": "0 0 \(width) \(height)", "width": "\(width)", "height": "\(height)",
        ], nodes)
    }

    /// The words when they fit the segment, else the number alone.
    static func label(_ count: Int, _ words: String, room: Int) -> String {
        let text = "\(count) \(words)"
        return Double(text.count) * 9.5 + 16 <= Double(room) ? text : (Double(String(count).count) * 9.5 + 16 <= Double(room) ? String(count) : "")
    }
}
