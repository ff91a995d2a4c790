import Plot

/// Draws a `ProcessTreeLayout` as inline SVG: one box per process, coloured by side (pilot blue,
/// payload amber), elbow lines from parent to child, and dashed boxes around each namespace
/// boundary. Text is monospace so that widths can be estimated without a browser; command lines
/// are cut to fit, and the full one is the box's tooltip (and in the process table below).
enum ProcessTreeDiagram {
    static let width = 1000
    static let rowHeight = 24
    static let characterWidth = 7.3
    static let indent = 20
    static let margin = 10

    static func render(_ layout: ProcessTreeLayout, caption: String) -> BodyNode {
        let height = layout.rows.count * rowHeight + 2 * margin
        var nodes: [BodyNode] = [SVG.title(caption)]
        for box in layout.boxes.sorted(by: { $0.level < $1.level }) { nodes.append(namespaceBox(box)) }
        for (index, row) in layout.rows.enumerated() {
            guard case .process(_, let depth, let parentRow?) = row else { continue }
            nodes.append(connector(from: parentRow, to: index, depth: depth))
        }
        for (index, row) in layout.rows.enumerated() {
            switch row {
            case .process(let process, let depth, _):
                nodes.append(processBox(process, row: index, depth: depth, level: level(of: index, in: layout)))
            case .boundary(let label, let depth):
                nodes.append(SVG.text(label, ["x": "\(x(depth) + 2)", "y": "\(y(index) + 16)", "class": "ns-label"]))
            }
        }
        return SVG.element("svg", [
            "xmlns": "http://www.w3.org/2000/svg", "class": "tree", "role": "img",
            "viewBox": "0 0 \(width) \(height)", "width": "\(width)", "height": "\(height)",
        ], nodes)
    }

    static func x(_ depth: Int) -> Int { margin + depth * indent }
    static func y(_ row: Int) -> Int { margin + row * rowHeight }

    /// How many namespace boxes contain the row.
    static func level(of row: Int, in layout: ProcessTreeLayout) -> Int {
        layout.boxes.filter { $0.firstRow <= row && row <= $0.lastRow }.count
    }

    static func rightEdge(level: Int) -> Int { width - margin - level * 8 }

    static func namespaceBox(_ box: ProcessTreeLayout.Box) -> BodyNode {
        let left = x(box.depth) - 6
        let top = y(box.firstRow) + 1
        let bottom = y(box.lastRow) + rowHeight - 1 - box.level * 3
        return SVG.element("rect", [
            "x": "\(left)", "y": "\(top)", "width": "\(rightEdge(level: box.level) + 4 - left)", "height": "\(bottom - top)",
            "rx": "6", "class": "ns-box",
        ])
    }

    static func connector(from parentRow: Int, to row: Int, depth: Int) -> BodyNode {
        let stem = x(depth - 1) + 8
        let top = y(parentRow) + 21
        let middle = y(row) + 12
        return SVG.element("path", ["d": "M\(stem) \(top)V\(middle)H\(x(depth))", "class": "edge"])
    }

    static func processBox(_ process: TreeProcess, row: Int, depth: Int, level: Int) -> BodyNode {
        let left = x(depth)
        let maximum = rightEdge(level: level) - left
        let budget = max(20, Int(Double(maximum - 12) / characterWidth))
        var parts: [(String, String?)] = [(process.side.rawValue.uppercased(), "role"), ("  \(process.pid)", "pid")]
        parts.append(("  uid \(process.uid.map(String.init) ?? "?")", process.sharesPilotUID ? "bad" : nil))
        let tail: [(String, String?)] = (process.container.map { [("  [\($0)]", "container")] } ?? [])
            + (process.failingRules.isEmpty ? [] : [("  ✗ " + process.failingRules.joined(separator: " "), "bad")])
        let used = (parts + tail).reduce(0) { $0 + $1.0.count } + 2
        let command = HTMLText.visible(process.command)
        let room = max(8, budget - used)
        parts.append(("  " + (command.count > room ? String(command.prefix(room - 1)) + "…" : command), nil))
        var fitted = tail
        var total = parts.reduce(0) { $0 + $1.0.count }
        for index in fitted.indices {
            let remaining = max(0, budget - total)
            if fitted[index].0.count > remaining { fitted[index].0 = String(fitted[index].0.prefix(max(0, remaining - 1))) + "…" }
            total += fitted[index].0.count
        }
        let shown = parts + fitted
        let textWidth = Int(Double(shown.reduce(0) { $0 + $1.0.count }) * characterWidth) + 12
        let classes = "proc side-\(process.side.rawValue.replacingOccurrences(of: " ", with: "-"))"
            + (process.failingRules.isEmpty ? "" : " failing")
        let tooltip = "\(process.side.rawValue) PID \(process.pid) uid \(process.uid.map(String.init) ?? "?"): \(process.command)"
            + (process.container.map { " [container \($0)]" } ?? "")
            + (process.failingRules.isEmpty ? "" : " fails \(process.failingRules.joined(separator: ", "))")
        return SVG.element("g", ["class": classes], [
            SVG.title(tooltip),
            SVG.element("rect", ["x": "\(left)", "y": "\(y(row) + 3)", "width": "\(min(maximum, textWidth))", "height": "18", "rx": "4"]),
            SVG.element("text", ["x": "\(left + 6)", "y": "\(y(row) + 16)"], shown.map { SVG.span($0.0, className: $0.1) }),
        ])
    }
}
