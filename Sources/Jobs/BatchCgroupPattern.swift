import ProcFS
import Synchronization

/// How one batch system names a job's cgroup (the policy's `batch_systems` section): a regular
/// expression matched at the start of a cgroup path from `/proc/<pid>/cgroup`.
///
/// The named group `cgroup` is the batch job's own cgroup (the whole match when absent),
/// `job_id` the batch system's job ID, `slot` a slot name (HTCondor names slots, not jobs).
/// `layout` says which lines of the file the pattern reads: `v1` the controller hierarchies,
/// `v2` the unified `0::` line. Cgroup names are hostile input (a job may create cgroups below a
/// delegated one): paths and captures are bounded, and matching never fails, it finds nothing.
public struct BatchCgroupPattern: Sendable, Equatable {
    public enum Layout: String, Sendable, CaseIterable {
        case v1, v2
    }

    public var id: String
    /// The batch system reported (`slurm`, `htcondor`, `pbs`).
    public var system: String
    public var layout: Layout
    /// The expression as the policy wrote it.
    public var pattern: String
    /// The environment variable that carries the same job ID (`SLURM_JOB_ID`), for the
    /// disagreement check; nil when the pattern captures no job ID.
    public var jobIDVariable: String?
    private let regex: CompiledPattern
    /// What every match must contain, tested on the path's bytes before the expression runs.
    let requiredLiterals: RequiredLiterals

    /// Paths longer than this are not matched (PATH_MAX; a cgroup file line is no longer).
    public static let maximumPathBytes = 4096
    /// Captured values longer than this are not believed.
    public static let maximumCaptureBytes = 255

    public init(id: String, system: String, layout: Layout, pattern: String, jobIDVariable: String? = nil) throws(BatchPatternError) {
        self.id = id
        self.system = system
        self.layout = layout
        self.pattern = pattern
        self.jobIDVariable = jobIDVariable
        capturesJobID = Self.hasJobIDGroup(pattern)
        requiredLiterals = RequiredLiterals(pattern: pattern)
        if Self.knownExpressions.contains(pattern) {
            regex = CompiledPattern(compilingAtFirstUse: pattern)
        } else {
            do {
                regex = CompiledPattern(try Regex(pattern))
            } catch {
                throw BatchPatternError(reason: "not a regular expression: \(error)")
            }
        }
        if jobIDVariable != nil && !capturesJobID {
            throw BatchPatternError(reason: "names job_id_variable \(jobIDVariable!) but has no (?<job_id>...) group")
        }
    }

    /// The expressions of the bundled policies (`policies/*.yaml`), which compile: PolicyTests
    /// checks each, and that these are exactly the bundled ones. Such a pattern is compiled at its
    /// first match, not when the policy is loaded: compiling one costs about 1.2 million
    /// instructions (the Regex parser), all six 1.5 ms of every `audit`'s start, and most nodes
    /// never run them (the required literals rule their cgroup paths out first). Any other
    /// pattern is compiled when loaded, so a policy's bad expression is reported as before.
    public static let knownExpressions: Set<String> = [
        #"^(?<cgroup>/slurm(?:_[^/]+)?/uid_[0-9]+/job_(?<job_id>[0-9]+))(?:/|$)"#,
        #"^(?<cgroup>(?:/[^/]+)*?/job_(?<job_id>[0-9]+))/step_[^/]+(?:/|$)"#,
        #"^(?<cgroup>(?:/[^/]+)*?/htcondor/[^/]*_(?<slot>slot[0-9]+(?:_[0-9]+)?(?:@[^/]+)?))(?:/|$)"#,
        #"^(?<cgroup>(?:/[^/]+)*?/htcondor/[^/]*_(?<slot>slot[0-9]+(?:_[0-9]+)?(?:@[^/]+?)?)(?:\.slice)?)(?:/|$)"#,
        #"^(?<cgroup>/pbs_jobs\.service/jobid/(?<job_id>[0-9]+(?:\[[0-9]*\])?(?:\.[A-Za-z0-9_.-]+)?))(?:/|$)"#,
        #"^(?<cgroup>/condor_jobs/[^/]*_(?<slot>slot[0-9]+(?:_[0-9]+)?(?:@[^/]+)?))(?:/|$)"#,
    ]

    /// Whether the pattern has a `(?<job_id>...)` group. Found once (every match asks), on the
    /// bytes when the pattern is ASCII (then bytes and Characters agree), else as Characters.
    public let capturesJobID: Bool

    private static func hasJobIDGroup(_ pattern: String) -> Bool {
        let needle = Array("(?<job_id>".utf8)
        var pattern = pattern
        let ascii: Bool? = pattern.withUTF8 { bytes in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                if needle.indices.allSatisfy({ bytes[start + $0] == needle[$0] }) { return true }
            }
            return false
        }
        return ascii ?? pattern.contains("(?<job_id>")
    }

    public static func == (a: BatchCgroupPattern, b: BatchCgroupPattern) -> Bool {
        (a.id, a.system, a.layout, a.pattern, a.jobIDVariable) == (b.id, b.system, b.layout, b.pattern, b.jobIDVariable)
    }

    /// Whether the pattern reads this line of the cgroup file.
    public func applies(to entry: CgroupEntry) -> Bool {
        (entry.hierarchy == 0 && entry.controllers.isEmpty) == (layout == .v2)
    }

    /// The batch job's cgroup, job ID and slot in `path`, or nil.
    public func match(_ path: String) -> (cgroup: String, jobID: String?, slot: String?)? {
        var path = path
        guard path.utf8.count <= Self.maximumPathBytes,
              path.withUTF8({ requiredLiterals.mayMatch($0) }) else { return nil }
        return matchByExpression(path)
    }

    /// `match` without the literal test (the reference its tests compare with).
    func matchByExpression(_ path: String) -> (cgroup: String, jobID: String?, slot: String?)? {
        guard path.utf8.count <= Self.maximumPathBytes, let expression = regex.value,
              let found = try? expression.prefixMatch(in: path) else { return nil }
        func capture(_ name: String) -> String? {
            guard let text = found.output[name]?.substring.map(String.init), !text.isEmpty else { return nil }
            return text.utf8.count <= Self.maximumCaptureBytes ? text : nil
        }
        let cgroup = found.output["cgroup"] == nil ? String(path[found.range]) : capture("cgroup")
        guard let cgroup, cgroup.hasPrefix("/"), cgroup != "/" else { return nil }
        let jobID = capture("job_id")
        if capturesJobID && jobID == nil { return nil }
        return (cgroup, jobID, capture("slot"))
    }
}

/// A pattern the policy gave that cannot be used, and why.
public struct BatchPatternError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// The compiled expression: Regex is neither Equatable nor documented as Sendable; it is
/// immutable once built, and only ever read. One of `BatchCgroupPattern.knownExpressions` is
/// compiled by the first match that needs it (under the lock: matches may run on any thread).
private final class CompiledPattern: @unchecked Sendable {
    private enum State: @unchecked Sendable {
        case compiled(Regex<AnyRegexOutput>)
        case source(String)
        /// A known expression that did not compile (never, as PolicyTests checks): no match.
        case unusable
    }

    private let state: Mutex<State>

    init(_ value: Regex<AnyRegexOutput>) { state = Mutex(.compiled(value)) }

    init(compilingAtFirstUse source: String) { state = Mutex(.source(source)) }

    /// The expression, compiled now if it was not yet; nil when it cannot be.
    var value: Regex<AnyRegexOutput>? {
        state.withLock { state in
            switch state {
            case .compiled(let regex): return regex
            case .unusable: return nil
            case .source(let source):
                guard let regex = try? Regex(source) else {
                    state = .unusable
                    return nil
                }
                state = .compiled(regex)
                return regex
            }
        }
    }
}

/// The batch job a pilot runs in, as its cgroup names it.
public struct BatchCgroupMatch: Sendable, Equatable {
    /// The policy's pattern that matched.
    public var patternID: String
    public var system: String
    /// The line of the cgroup file: `3:cpuset` (v1) or `0:` (v2).
    public var hierarchy: String
    /// The batch job's cgroup in that hierarchy.
    public var cgroup: String
    public var jobID: String?
    public var slot: String?
    /// See `BatchCgroupPattern.jobIDVariable`.
    public var jobIDVariable: String?
    /// The process whose cgroup file said so (the pilot's wrapper, or the pilot).
    public var pid: Int32

    public init(patternID: String, system: String, hierarchy: String, cgroup: String, jobID: String?, slot: String?,
                jobIDVariable: String?, pid: Int32) {
        self.patternID = patternID
        self.system = system
        self.hierarchy = hierarchy
        self.cgroup = cgroup
        self.jobID = jobID
        self.slot = slot
        self.jobIDVariable = jobIDVariable
        self.pid = pid
    }
}

/// Finds the batch job of a pilot from its (and its wrapper's) cgroups.
public struct BatchCgroupClassifier: Sendable {
    public var patterns: [BatchCgroupPattern]

    public init(patterns: [BatchCgroupPattern]) { self.patterns = patterns }

    /// The outermost batch cgroup any pattern finds in any line of the processes' cgroup files,
    /// pilot side only (the wrapper the batch system started, then the pilot). Outermost, because
    /// a batch system may delegate the inside of its job cgroup to the job (HTCondor on v2 does):
    /// what a job creates there is the job's word, the cgroup above it is the batch system's.
    /// Equal lengths: the first process, line and pattern in that order.
    public func classify(_ processes: [ProcessSample?]) -> BatchCgroupMatch? {
        guard !patterns.isEmpty else { return nil }
        var best: BatchCgroupMatch?
        for process in processes {
            guard let process, let entries = process.cgroups else { continue }
            for entry in entries where entry.path != "/" {
                for pattern in patterns where pattern.applies(to: entry) {
                    guard let found = pattern.match(entry.path) else { continue }
                    if let best, best.cgroup.utf8.count <= found.cgroup.utf8.count { continue }
                    best = BatchCgroupMatch(
                        patternID: pattern.id, system: pattern.system,
                        hierarchy: "\(entry.hierarchy):\(entry.controllers.joined(separator: ","))",
                        cgroup: found.cgroup, jobID: found.jobID, slot: found.slot,
                        jobIDVariable: pattern.jobIDVariable, pid: process.pid)
                }
            }
        }
        return best
    }
}
