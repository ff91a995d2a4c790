import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The live tests run one at a time: they create and destroy namespaces and compare whole-machine
/// views (lsns against a snapshot), which concurrent tests would disturb. Every suite in this
/// target is nested in this one.
@Suite(.serialized) enum Live {}

/// What the live tests need from the machine. A test whose need is not met is skipped with the
/// reason (a condition trait, or `Test.cancel` for what is only found out at run time).
enum LiveRequirements {
    static let isRoot = geteuid() == 0
    static let hasUnshare = Executables.isExecutable("/usr/bin/unshare")
    static let hasSetpriv = Executables.isExecutable("/usr/bin/setpriv")
    static let hasLsns = Executables.isExecutable("/usr/bin/lsns")
    static let hasDpkgQuery = Executables.isExecutable("/usr/bin/dpkg-query")
}

extension IsotraceBinary {
    /// Parses stdout as one JSON object.
    static func json(_ result: CommandResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any], "stdout is not a JSON object: \(result.stdout.prefix(300))")
    }

    /// `processes` of a snapshot document, keyed by pid.
    static func processes(_ document: [String: Any]) throws -> [Int: [String: Any]] {
        let list = try #require(document["processes"] as? [[String: Any]], "no processes array")
        var byPID: [Int: [String: Any]] = [:]
        for process in list {
            let pid = try #require(process["pid"] as? Int, "process without an integer pid: \(process)")
            byPID[pid] = process
        }
        return byPID
    }
}
