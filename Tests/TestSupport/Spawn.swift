import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct SpawnError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// posix_spawn with stdin from /dev/null, stdout/stderr to files, default signal handling and an
/// empty signal mask (the test runner's threads may block signals; children must not inherit that).
public enum Spawn {
    public static func start(_ arguments: [String], environment: [String: String]?, directory: String? = nil,
                             newProcessGroup: Bool, stdout: String, stderr: String) throws -> pid_t {
        precondition(arguments.first?.hasPrefix("/") == true, "spawn needs an absolute path")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let directory {
            guard let addChdir = addChdir else { throw SpawnError(message: "posix_spawn_file_actions_addchdir_np is not in this libc") }
            let added = addChdir(&actions, directory)
            guard added == 0 else { throw SpawnError(message: "cannot change to \(directory): \(String(cString: strerror(added)))") }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup { flags |= Int32(POSIX_SPAWN_SETPGROUP) }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)

        let environmentStrings = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environmentStrings.map { $0.map { strdup($0) } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            if let envp {
                return envp.withUnsafeBufferPointer { envBuffer in
                    posix_spawn(&pid, arguments[0], &actions, &attributes, argvBuffer.baseAddress!, envBuffer.baseAddress!)
                }
            }
            return posix_spawn(&pid, arguments[0], &actions, &attributes, argvBuffer.baseAddress!, environ)
        }
        guard result == 0 else {
            throw SpawnError(message: "posix_spawn \(arguments.joined(separator: " ")): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// The exit code of a wait status, or 128 + the signal that killed it.
    public static func exitCode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// glibc's posix_spawn_file_actions_addchdir_np (2.29), not imported into Swift: through dlsym.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addChdir: AddChdir? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }
}
