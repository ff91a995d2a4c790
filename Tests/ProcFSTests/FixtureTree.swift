import Foundation
import TestSupport
import ProcFS

/// Locates the fixture trees under `Tests/ProcFSTests/Fixtures/<name>` (by source path, not bundle
/// resources) and builds parser input from string literals.
enum FixtureTree {
    static let fixtures = URL(fileURLWithPath: Repository.procFixtures)

    /// The `proc` directory of the named tree.
    static func procRoot(_ name: String) -> String {
        fixtures.appendingPathComponent(name).appendingPathComponent("proc").path
    }

    /// Samples the named tree (all PIDs, or the ones given).
    static func sample(_ name: String, pids: [Int32]? = nil) throws -> Snapshot {
        try ProcSampler(procRoot: procRoot(name)).sample(pids: pids)
    }
}

/// Parser input from text (UTF-8) or raw bytes.
func bytes(_ text: String) -> Bytes { Array(text.utf8)[...] }
func bytes(_ raw: [UInt8]) -> Bytes { raw[...] }

extension Snapshot {
    func process(_ pid: Int32) -> ProcessSample? { processes.first { $0.pid == pid } }
}
