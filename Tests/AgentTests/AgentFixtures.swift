import Base
import Foundation
import TestSupport
import Policy
import ProcFS

/// The repository's fixture trees and policy, and audits built from (edited) snapshots of them.
enum AgentFixtures {
    static let pilot3 = Repository.pilot3ProcRoot
    static let policyPath = Repository.policy

    static func policy() throws -> Policy { try PolicyLoader.load(path: policyPath) }

    static func snapshot() throws -> Snapshot { try ProcSampler(procRoot: pilot3).sample() }

    /// Audits `snapshot` as taken at `seconds` after an arbitrary epoch.
    static func audit(_ snapshot: Snapshot, at seconds: Int64, policy: Policy) -> AuditResult {
        var snapshot = snapshot
        snapshot.takenAt = UTCTime(millisecondsSinceEpoch: 1_795_000_000_000 + seconds * 1000)
        return PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: pilot3)).audit(snapshot)
    }
}
