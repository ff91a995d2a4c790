import ProcFS
import Synchronization

/// One audit's looks at files, each made once: the same path seen through the same process's
/// root, or the same file read through it, is answered from what the first look found
/// (its facts, its bytes, or its failure). A pilot's jobs look at the pilot's log and the
/// directories above it once each per job; with this they are opened once per audit.
///
/// Keyed by process and path only: a path seen through another process is looked at again
/// (another root, another view). Made afresh by every `PolicyEvaluator.audit` and dropped when
/// it returns, so a daemon's next cycle sees the files as they are then.
final class AuditFileCache: FileInspector {
    private struct Key: Hashable {
        var pid: Int32
        var path: String
    }

    private struct ReadKey: Hashable {
        var pid: Int32
        var path: String
        var limit: Int
    }

    private struct State {
        var facts: [Key: FileFacts] = [:]
        var reads: [ReadKey: (facts: FileFacts, content: [UInt8]?)] = [:]
    }

    private let inspector: FileInspector
    private let state = Mutex(State())

    init(_ inspector: FileInspector) { self.inspector = inspector }

    /// One path: not cached (the audit's checks look through `inspect(paths:throughPID:)`).
    func inspect(path: String, throughPID pid: Int32) -> FileFacts {
        inspector.inspect(path: path, throughPID: pid)
    }

    /// Each path as the underlying inspector found it the first time; the paths not looked at
    /// yet through `pid` are looked at together (one open of the root).
    func inspect(paths: [String], throughPID pid: Int32) -> [FileFacts] {
        let known = state.withLock { state in paths.map { state.facts[Key(pid: pid, path: $0)] } }
        var missing: [String] = []
        for (path, facts) in zip(paths, known) where facts == nil && !missing.contains(path) { missing.append(path) }
        if missing.isEmpty { return known.map { $0! } }
        let found = inspector.inspect(paths: missing, throughPID: pid)
        var looked: [String: FileFacts] = [:]
        for (path, facts) in zip(missing, found) { looked[path] = facts }
        state.withLock { state in
            for (path, facts) in looked { state.facts[Key(pid: pid, path: path)] = facts }
        }
        return zip(paths, known).map { path, facts in facts ?? looked[path]! }
    }

    func inspectHost(path: String) -> FileFacts {
        inspector.inspectHost(path: path)
    }

    func read(path: String, throughPID pid: Int32, limit: Int) -> (facts: FileFacts, content: [UInt8]?) {
        let key = ReadKey(pid: pid, path: path, limit: limit)
        if let known = state.withLock({ $0.reads[key] }) { return known }
        let result = inspector.read(path: path, throughPID: pid, limit: limit)
        state.withLock { $0.reads[key] = result }
        return result
    }
}
