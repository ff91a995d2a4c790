import ProcFS

/// One process as the tree diagram draws it: which side of the pilot/payload line it is on, and
/// the facts printed on its box.
public struct TreeProcess: Sendable, Equatable {
    public enum Side: String, Sendable {
        case pilotWrapper = "wrapper"
        case pilot
        case pilotSide = "pilot side"
        case payload
    }

    public var pid: Int32
    public var ppid: Int32
    public var side: Side
    public var uid: UInt32?
    public var command: String
    /// Container runtime and image, e.g. `apptainer /cvmfs/.../x86_64-el9`.
    public var container: String?
    public var namespaces: NamespaceSet
    /// True when a payload process runs with the pilot's uid.
    public var sharesPilotUID: Bool
    /// Rules that fail naming this process.
    public var failingRules: [String]

    public init(pid: Int32, ppid: Int32, side: Side, uid: UInt32?, command: String, container: String?,
                namespaces: NamespaceSet, sharesPilotUID: Bool = false, failingRules: [String] = []) {
        self.pid = pid
        self.ppid = ppid
        self.side = side
        self.uid = uid
        self.command = command
        self.container = container
        self.namespaces = namespaces
        self.sharesPilotUID = sharesPilotUID
        self.failingRules = failingRules
    }
}

/// The indented layout of a process tree: one row per process in depth-first order (so a subtree
/// is a run of consecutive rows), a label row where a process enters namespaces its parent is not
/// in, and one box per such boundary spanning the label and the whole subtree. Boxes nest exactly
/// as the namespaces do. Pure: no drawing, so it can be checked on its own.
public struct ProcessTreeLayout: Sendable, Equatable {
    public enum Row: Sendable, Equatable {
        /// A process at a depth; `parentRow` is the row of its parent, nil for a top.
        case process(TreeProcess, depth: Int, parentRow: Int?)
        /// The label of the namespace box that starts here.
        case boundary(label: String, depth: Int)
    }

    /// A namespace boundary: rows `firstRow...lastRow`, drawn `level` boxes deep.
    public struct Box: Sendable, Equatable {
        public var firstRow: Int
        public var lastRow: Int
        public var depth: Int
        public var level: Int
        public var kinds: [NamespaceKind]
    }

    public private(set) var rows: [Row] = []
    public private(set) var boxes: [Box] = []

    /// Namespace kinds whose change is drawn as a boundary (pid_for_children and time follow).
    public static let boundaryKinds: [NamespaceKind] = [.pid, .mnt, .ipc, .user, .net, .uts, .cgroup]

    public init(_ processes: [TreeProcess]) {
        let byPID = Dictionary(processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
        var children: [Int32: [TreeProcess]] = [:]
        for process in processes where process.ppid != process.pid && byPID[process.ppid] != nil {
            children[process.ppid, default: []].append(process)
        }
        let tops = processes.filter { $0.ppid == $0.pid || byPID[$0.ppid] == nil }.sorted { $0.pid < $1.pid }
        var visited: Set<Int32> = []
        for top in tops { place(top, parent: nil, parentRow: nil, depth: 0, level: 0, children: children, visited: &visited) }
        // A parent cycle (a damaged sample) has no top: its members are still drawn.
        for process in processes.sorted(by: { $0.pid < $1.pid }) where !visited.contains(process.pid) {
            place(process, parent: nil, parentRow: nil, depth: 0, level: 0, children: children, visited: &visited)
        }
    }

    /// One step of the walk: place a process (and queue its children), or close a box once
    /// everything below its first process has been placed.
    private enum Step {
        case place(TreeProcess, parent: TreeProcess?, parentRow: Int?, depth: Int, level: Int)
        case closeBox(Int)
    }

    /// Places `top` and everything below it, depth first in PID order. Iterative, with its own
    /// stack: a chain of processes tens of thousands deep overflowed the thread's stack when this
    /// recursed (a payload decides how deep its tree is).
    private mutating func place(_ top: TreeProcess, parent: TreeProcess?, parentRow: Int?, depth: Int, level: Int,
                                children: [Int32: [TreeProcess]], visited: inout Set<Int32>) {
        var stack: [Step] = [.place(top, parent: parent, parentRow: parentRow, depth: depth, level: level)]
        while let step = stack.popLast() {
            switch step {
            case .closeBox(let index):
                boxes[index].lastRow = rows.count - 1
            case .place(let process, let parent, let parentRow, let depth, let level):
                guard visited.insert(process.pid).inserted else { continue }
                let entered = parent.map { Self.enteredKinds(process, from: $0) } ?? []
                var innerLevel = level
                if !entered.isEmpty {
                    stack.append(.closeBox(boxes.count))
                    boxes.append(Box(firstRow: rows.count, lastRow: rows.count, depth: depth, level: level, kinds: entered))
                    rows.append(.boundary(label: Self.label(entered, process), depth: depth))
                    innerLevel += 1
                }
                let row = rows.count
                rows.append(.process(process, depth: depth, parentRow: parentRow))
                for child in (children[process.pid] ?? []).sorted(by: { $0.pid > $1.pid }) {
                    stack.append(.place(child, parent: process, parentRow: row, depth: depth + 1, level: innerLevel))
                }
            }
        }
    }

    /// The kinds whose namespace differs from the parent's (both known).
    static func enteredKinds(_ process: TreeProcess, from parent: TreeProcess) -> [NamespaceKind] {
        boundaryKinds.filter { kind in
            guard let own = process.namespaces[kind], let theirs = parent.namespaces[kind] else { return false }
            return own != theirs
        }
    }

    static func label(_ kinds: [NamespaceKind], _ process: TreeProcess) -> String {
        let names = kinds.map(\.rawValue).joined(separator: "+")
        let inodes = kinds.prefix(3).compactMap { kind in process.namespaces[kind].map { "\(kind.rawValue):[\($0)]" } }
        return "new \(names) namespace\(kinds.count == 1 ? "" : "s")  " + inodes.joined(separator: " ")
    }

    /// The deepest nesting of boxes (0 when there is none).
    public var maxLevel: Int { boxes.map { $0.level + 1 }.max() ?? 0 }
}
