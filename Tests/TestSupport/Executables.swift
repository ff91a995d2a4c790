import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Programs the tests run; a test that needs a missing one is skipped with the reason.
public enum Executables {
    public static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// An executable named `name` on PATH.
    public static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first(where: isExecutable)
    }

    /// The isotrace binary: $ISOTRACE_BIN (the benchmarks run a release build that way), else the
    /// one built next to this test executable (the test targets depend on it), else the nearest
    /// `.build/debug/isotrace` above the current directory.
    public static let isotrace: String? = {
        if let binary = ProcessInfo.processInfo.environment["ISOTRACE_BIN"] { return isExecutable(binary) ? binary : nil }
        var directories: [URL] = []
        if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: own).deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent())
        if let bundle = Bundle.main.executableURL { directories.append(bundle.deletingLastPathComponent()) }
        if let found = directories.map({ $0.appendingPathComponent("isotrace").path }).first(where: isExecutable) { return found }
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
public enum IsotraceBinary {
    public static func path() throws -> String {
        guard let path = Executables.isotrace else {
            throw SpawnError(message: "isotrace binary not found next to \(CommandLine.arguments[0]) nor in any .build/debug above \(FileManager.default.currentDirectoryPath)")
        }
        return path
    }

    public static func run(_ arguments: String..., environment: [String: String]? = nil) throws -> CommandResult {
        try run(arguments, environment: environment)
    }

    public static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        try Command.run([try path()] + arguments, environment: environment)
    }

    /// Starts isotrace in the test's process group (see `Command.start`).
    public static func start(_ arguments: [String]) throws -> ChildProcess {
        try Command.start([try path()] + arguments)
    }
}
