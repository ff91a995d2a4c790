#if canImport(Glibc)
import Glibc
#endif

/// Test-only crash points: when the environment variable `ISOTRACE_TEST_CRASH_AT` names a step
/// (`CrashPoint.reached("rotation-appended")`), the process sends itself SIGKILL there, a real
/// kill that runs no clean-up, so tests can prove that every step of a multi-step update (a key
/// rotation) leaves a state the next start continues from. Inert unless the variable names the
/// step: nothing else reads it, and a production unit never sets it.
public enum CrashPoint {
    public static let variable = "ISOTRACE_TEST_CRASH_AT"

    public static func reached(_ step: String) {
        guard let value = getenv(variable), String(cString: value) == step else { return }
        _ = Glibc.kill(getpid(), SIGKILL)
        // SIGKILL cannot be caught; a process that is still here was not allowed to signal itself.
        _exit(137)
    }
}
