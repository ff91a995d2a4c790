import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

extension Repository {
    /// RFC 8785's test vectors.
    static let vectors = path("Tests/RecordsTests/Vectors")
}

/// What the machine offers; tests that need more are skipped with the reason.
enum Requirements {
    static let isRoot = geteuid() == 0
    static let openssl = Executables.onPath("openssl")

    /// A python3 that imports cryptography and rfc8785: $ISOTRACE_PYTHON, else python3 on PATH.
    static let python: (path: String?, reason: String) = {
        let candidate = ProcessInfo.processInfo.environment["ISOTRACE_PYTHON"] ?? Executables.onPath("python3")
        guard let candidate else { return (nil, "python3 not found (set ISOTRACE_PYTHON)") }
        guard let result = try? Command.run([candidate, "-c", "import cryptography, rfc8785"]), result.status == 0 else {
            return (nil, "\(candidate) cannot import cryptography and rfc8785 (pip install cryptography rfc8785, or set ISOTRACE_PYTHON)")
        }
        return (candidate, "")
    }()
}

extension IsotraceBinary {
    /// `audit --record` on the fixture /proc copy: exit 1 (its payload is not isolated) when recorded.
    static func auditRecordArguments(out: String, key: String? = nil) throws -> [String] {
        [try path(), "audit", "--record", "--out", out, "--proc-root", Repository.pilot3ProcRoot, "--format", "json"]
            + (key.map { ["--key", $0] } ?? [])
    }
}

/// The lines of every segment in a records directory, in chain order (complete lines only).
func chainLines(_ outputDirectory: String) throws -> [String] {
    let directory = outputDirectory + "/records"
    guard FileManager.default.fileExists(atPath: directory) else { return [] }
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") && $0.first?.isNumber == true }.sorted()
    return try names.flatMap { name -> [String] in
        let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        lines.removeLast()  // after the last newline: empty, or a partial line
        return lines
    }
}
