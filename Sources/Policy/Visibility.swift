import ProcFS

/// Whether one process can see another in its PID namespace, which every /proc, signal and
/// ptrace access needs first.
enum Visibility {
    case visible(String)
    case hidden(String)
    case unknown(String)

    /// `target` is visible to `viewer` when the viewer's PID namespace is the target's or one of
    /// its ancestors. NSpid lists one pid per level from the reader's namespace down, so a viewer
    /// at depth 1 (the initial namespace) sees everyone, and a viewer whose namespace is neither
    /// the target's nor shallower cannot see it.
    static func of(_ target: ProcessSample, from viewer: ProcessSample) -> Visibility {
        guard let viewerNS = viewer.namespaces[.pid], let targetNS = target.namespaces[.pid] else {
            return .unknown("PID namespace unreadable")
        }
        if viewerNS == targetNS { return .visible("same PID namespace \(viewerNS)") }
        guard let viewerDepth = viewer.status?.nspid.count, let targetDepth = target.status?.nspid.count else {
            return .unknown("NSpid unreadable")
        }
        if viewerDepth >= targetDepth { return .hidden("payload in its own PID namespace \(viewerNS)") }
        if viewerDepth == 1 { return .visible("payload in the initial PID namespace, an ancestor of the pilot's") }
        return .unknown("payload's PID namespace \(viewerNS) may be an ancestor of the pilot's \(targetNS)")
    }

    var isHidden: Bool { if case .hidden = self { return true } else { return false } }
    var reason: String {
        switch self {
        case .visible(let why), .hidden(let why), .unknown(let why): return why
        }
    }
}
