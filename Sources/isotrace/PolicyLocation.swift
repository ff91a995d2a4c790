import ArgumentParser
import Base
import Policy
import SystemPackage

extension CompletionKind {
    /// Shell completion for a policy argument: YAML files (and directories to walk into).
    static var policyFile: CompletionKind { .file(extensions: ["yaml", "yml"]) }
}

/// Finds the policy to audit with: `--policy FILE`, else `/etc/isotrace/policy.yaml`, else the
/// bundled `policies/wlcg-mupj.yaml` next to the binary (a checkout's `.build/<config>/isotrace`
/// or an installed `<prefix>/bin/isotrace` with `<prefix>/share/isotrace/policies`).
enum PolicyLocation {
    static let bundledName = "wlcg-mupj.yaml"

    static func resolve(_ explicit: String?) -> String? {
        if let explicit { return explicit }
        var candidates = ["/etc/isotrace/policy.yaml"]
        // The running binary itself (through /proc/self/exe), and the directories above it.
        let executable = FilePath(Syscalls.executablePath() ?? CommandLine.arguments[0]).removingLastComponent()
        var directory = executable
        for _ in 0..<4 {
            candidates.append(directory.appending("policies/\(bundledName)").string)
            directory = directory.removingLastComponent()
        }
        candidates.append(executable.removingLastComponent().appending("share/isotrace/policies/\(bundledName)").string)
        candidates.append(Syscalls.currentDirectory() + "/policies/\(bundledName)")
        return candidates.first { Syscalls.isReadable($0) }
    }

    /// Loads the policy or prints why not and exits 2 (every issue, with file, line and column).
    static func load(_ explicit: String?) throws -> Policy {
        guard let path = resolve(explicit) else {
            FileOutput.standardError.write("isotrace: error: no policy found: pass --policy FILE or install /etc/isotrace/policy.yaml\n")
            throw ExitCodeError.operational
        }
        do {
            return try PolicyLoader.load(path: path)
        } catch {
            for issue in error.issues { FileOutput.standardError.write("\(issue)\n") }
            FileOutput.standardError.write("isotrace: error: policy \(path) is not usable (\(error.issues.count) problem(s))\n")
            throw ExitCodeError.operational
        }
    }
}
