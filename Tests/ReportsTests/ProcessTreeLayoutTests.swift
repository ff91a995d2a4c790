import ProcFS
@testable import Reports
import Testing

/// The tree layout alone: depth-first rows, one box per namespace boundary, nested as the
/// namespaces are.
struct ProcessTreeLayoutTests {
    static func process(_ pid: Int32, _ ppid: Int32, _ side: TreeProcess.Side, pidNS: UInt64 = 1, mntNS: UInt64 = 2, userNS: UInt64 = 3) -> TreeProcess {
        TreeProcess(pid: pid, ppid: ppid, side: side, uid: 1000, command: "cmd \(pid)", container: nil,
                    namespaces: NamespaceSet(inodes: [.pid: pidNS, .mnt: mntNS, .user: userNS]))
    }

    static func pids(_ layout: ProcessTreeLayout, _ rows: ClosedRange<Int>) -> [Int32] {
        rows.compactMap { row in
            if case .process(let process, _, _) = layout.rows[row] { return process.pid }
            return nil
        }
    }

    @Test("nested boundaries: an Apptainer-like user namespace with a PID namespace inside")
    func nestedBoxes() {
        let layout = ProcessTreeLayout([
            Self.process(10, 1, .pilot),
            Self.process(11, 10, .pilotSide),
            Self.process(20, 10, .payload),
            Self.process(21, 20, .payload, userNS: 30),
            Self.process(22, 21, .payload, pidNS: 40, userNS: 30),
            Self.process(23, 22, .payload, pidNS: 40, userNS: 30),
            Self.process(24, 20, .payload),
        ])
        #expect(layout.rows.count == 9, "7 processes and 2 boundary labels")
        #expect(layout.boxes.count == 2)
        let outer = layout.boxes[0], inner = layout.boxes[1]
        #expect(outer.kinds == [.user] && outer.level == 0)
        #expect(inner.kinds == [.pid] && inner.level == 1)
        #expect(Self.pids(layout, outer.firstRow...outer.lastRow) == [21, 22, 23])
        #expect(Self.pids(layout, inner.firstRow...inner.lastRow) == [22, 23])
        #expect(outer.firstRow < inner.firstRow && inner.lastRow <= outer.lastRow)
        #expect(Self.pids(layout, 0...(layout.rows.count - 1)) == [10, 11, 20, 21, 22, 23, 24], "depth first, by PID")
        #expect(layout.maxLevel == 2)
        guard case .process(let last, let depth, let parentRow?) = layout.rows.last else {
            Issue.record("last row is not a process")
            return
        }
        #expect(last.pid == 24 && depth == 2)
        if case .process(let parent, _, _) = layout.rows[parentRow] { #expect(parent.pid == 20) }
    }

    @Test("a parent cycle in a damaged sample still draws every process once")
    func cycleIsDrawn() {
        let layout = ProcessTreeLayout([Self.process(5, 6, .payload), Self.process(6, 5, .payload)])
        #expect(Self.pids(layout, 0...(layout.rows.count - 1)).sorted() == [5, 6])
    }

    @Test("the diagram's command text is cut to the box, the full line is the tooltip")
    func longCommandIsCut() {
        var long = Self.process(10, 1, .payload)
        long.command = String(repeating: "x", count: 500) + "<end>"
        let svg = ProcessTreeDiagram.render(ProcessTreeLayout([long]), caption: "t").render()
        #expect(svg.contains("…"))
        #expect(svg.contains("&lt;end&gt;"), "the tooltip keeps the whole, escaped")
    }

    @Test("the summary bar keeps a visible segment for one isolated job among a thousand")
    func summaryBarMinimumSegment() {
        let svg = SummaryBar.render(isolated: 1, notIsolated: 1028).render()
        #expect(svg.contains("class=\"bar-ok\"") && svg.contains("width=\"80\""), "\(svg)")
        #expect(svg.contains(">1<"), "the count is written on the green segment")
        let none = SummaryBar.render(isolated: 0, notIsolated: 0).render()
        #expect(none.contains("no PanDA job on this node"))
        let all = SummaryBar.render(isolated: 3, notIsolated: 0).render()
        #expect(all.contains("width=\"1000\"") && !all.contains("bar-bad"))
    }
}

/// Issue 21 finding 8: `audit --format html` segfaulted on a chain 20,000 deep (the layout
/// recursed once per level). Structure only; no timing.
struct DeepTreeLayoutTests {
    @Test func chainTwentyThousandDeepIsLaidOut() {
        let depth: Int32 = 20_000
        var processes = [ProcessTreeLayoutTests.process(10, 1, .pilot)]
        for pid in 11...(10 + depth) {
            // A user namespace entered halfway down: one box from there to the bottom.
            processes.append(ProcessTreeLayoutTests.process(pid, pid - 1, .payload, userNS: pid > 10 + depth / 2 ? 30 : 3))
        }
        let layout = ProcessTreeLayout(processes)
        #expect(layout.rows.count == Int(depth) + 2, "every process and one boundary label")
        #expect(layout.boxes.count == 1)
        #expect(layout.boxes.first?.lastRow == layout.rows.count - 1)
        guard case .process(let last, let lastDepth, let parentRow) = layout.rows.last else {
            Issue.record("the last row is not a process")
            return
        }
        #expect(last.pid == 10 + depth && lastDepth == Int(depth) && parentRow == layout.rows.count - 2)
    }
}
