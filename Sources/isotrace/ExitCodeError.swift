import ArgumentParser

/// The design's exit codes (DESIGN.md "Exit codes and errors").
enum ExitCodeError {
    /// Policy violations found.
    static let violations = ExitCode(1)
    /// Usage or operational error: bad policy, unusable proc root, malformed input.
    static let operational = ExitCode(2)
}
