import Foundation
import Policy
import ProcFS
import TestSupport
import Testing

/// The pilot3 fixture tree (Tests/ProcFSTests/Fixtures/pilot3-generic: a wrapper, a pilot, a
/// payload of four processes and one pilot-side `ps`), audited with the repository's policy; and
/// a copy of it made hostile: one payload process's argv carries markup, quotes, entities,
/// invalid UTF-8, a bidi override and a control byte, and one payload subtree enters a new PID
/// and mount namespace.
enum ReportFixtures {
    static let pilot3 = Repository.path("Tests/ProcFSTests/Fixtures/pilot3-generic")
    static let policy = Repository.policy

    static let pandaID = "6402753124"
    /// Every process of the fixture tree that the report draws.
    static let pids: [Int32] = [25588, 25625, 25628, 25629, 25630, 25731]
    /// The process whose argv is made hostile, and the one whose subtree enters new namespaces.
    static let hostilePID: Int32 = 25629
    static let namespacedPID: Int32 = 25628
    static let newPIDNamespace: UInt64 = 4026532901
    static let newMountNamespace: UInt64 = 4026532902

    /// argv of the hostile process, as bytes (NUL-separated in /proc/<pid>/cmdline).
    static let hostileArguments: [[UInt8]] = [
        Array("sleep".utf8),
        Array("<script>alert(\"pwn\")</script>".utf8),
        Array("\"><img src=x onerror=alert(1)>".utf8),
        Array("&amp;&lt;a&b;'q'".utf8),
        [0x62, 0x61, 0x64, 0xFF, 0xFE],
        Array("\u{202E}txt.exe".utf8),
        [0x01, 0x63, 0x74, 0x6C],
        Array("600".utf8),
    ]

    /// The same argv as the report must show it (text content after parsing): markup as text,
    /// invalid bytes as `\xNN` (the sampler), the bidi override and the control byte made visible.
    static let hostileShown = [
        "<script>alert(\"pwn\")</script>", "\"><img src=x onerror=alert(1)>", "&amp;&lt;a&b;'q'", "bad\\xff\\xfe",
        "\\u{202e}txt.exe", "\\x01ctl",
    ]

    static func audit(procRoot: String) throws -> AuditResult {
        let policy = try PolicyLoader.load(path: policy)
        let snapshot = try ProcSampler(procRoot: procRoot).sample()
        return PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: procRoot)).audit(snapshot)
    }

    /// Runs `body` with the proc root of a hostile copy of the tree, removed afterwards.
    static func withHostileTree<T>(_ body: (String) throws -> T) throws -> T {
        let directory = try TestDirectory("isotrace-reports")
        defer { directory.remove() }
        let copy = directory.path + "/pilot3"
        try FileManager.default.copyItem(atPath: pilot3, toPath: copy)
        let proc = copy + "/proc"
        let cmdline: [UInt8] = hostileArguments.reduce(into: []) { $0 += $1 + [0] }
        try Data(cmdline).write(to: URL(fileURLWithPath: "\(proc)/\(hostilePID)/cmdline"))
        for pid in [namespacedPID, 25630] {
            for (kind, inode) in [("pid", newPIDNamespace), ("pid_for_children", newPIDNamespace), ("mnt", newMountNamespace)] {
                let link = "\(proc)/\(pid)/ns/\(kind)"
                try FileManager.default.removeItem(atPath: link)
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "\(kind == "mnt" ? "mnt" : "pid"):[\(inode)]")
            }
        }
        return try body(proc)
    }
}
