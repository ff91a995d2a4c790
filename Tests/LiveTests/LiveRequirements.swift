import Foundation
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
    static let hasUnshare = isExecutable("/usr/bin/unshare")
    static let hasSetpriv = isExecutable("/usr/bin/setpriv")
    static let hasLsns = isExecutable("/usr/bin/lsns")
    static let hasDpkgQuery = isExecutable("/usr/bin/dpkg-query")

    static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// The `isotrace` binary built next to this test executable (the LiveTests target depends on
    /// it); else the nearest `.build/debug/isotrace` above the current directory.
    static let isotracePath: String? = {
        var directories: [URL] = []
        if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: own).deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent())
        if let bundle = Bundle.main.executableURL { directories.append(bundle.deletingLastPathComponent()) }
        for directory in directories {
            let candidate = directory.appendingPathComponent("isotrace").path
            if isExecutable(candidate) { return candidate }
        }
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(".build/debug/isotrace").path
            if isExecutable(candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }()
}

/// Runs the isotrace binary as a user would.
enum IsotraceBinary {
    static func path() throws -> String {
        try #require(LiveRequirements.isotracePath,
                     "isotrace binary not found next to \(CommandLine.arguments[0]) nor in any .build/debug above \(FileManager.default.currentDirectoryPath)")
    }

    static func run(_ arguments: String...) throws -> CommandResult {
        try Command.run([try path()] + arguments)
    }

    static func run(_ arguments: [String]) throws -> CommandResult {
        try Command.run([try path()] + arguments)
    }

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
