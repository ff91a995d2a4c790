#if canImport(Glibc)
import Glibc
#endif

/// How pilots and job directories are recognised. The defaults follow PanDA pilot2/pilot3
/// (../shared/reference/panda-pilot.md); a site policy may replace them.
public struct PilotPatterns: Sendable, Equatable {
    /// Globs on the basename of argv[0] for the interpreter that runs the pilot script.
    public var interpreters: [String]
    /// Globs on the basename of the first non-option argument after the interpreter.
    public var scripts: [String]
    /// Globs on the basename of argv[0] or argv[1] for the wrapper script that starts the pilot.
    public var wrappers: [String]
    /// A payload's job directory is `<prefix><PandaID>` (pilot3: `PanDA_Pilot-<PandaID>`).
    public var jobDirectoryPrefix: String

    public init(interpreters: [String], scripts: [String], wrappers: [String], jobDirectoryPrefix: String) {
        self.interpreters = interpreters
        self.scripts = scripts
        self.wrappers = wrappers
        self.jobDirectoryPrefix = jobDirectoryPrefix
    }

    public static let `default` = PilotPatterns(
        interpreters: ["python", "python[23]", "python[23].*"],
        scripts: ["pilot.py"],
        wrappers: ["runpilot*-wrapper*"],
        jobDirectoryPrefix: "PanDA_Pilot-")

    /// True for a python running pilot.py, or a runpilot wrapper.
    public func isPilot(_ argv: [String]) -> Bool { isPilotScript(argv) || isWrapper(argv) }

    public func isPilotScript(_ argv: [String]) -> Bool {
        guard let first = argv.first, Self.matches(interpreters, basename(first)) else { return false }
        guard let script = argv.dropFirst().first(where: { !$0.hasPrefix("-") }) else { return false }
        return Self.matches(scripts, basename(script))
    }

    public func isWrapper(_ argv: [String]) -> Bool {
        argv.prefix(2).contains { Self.matches(wrappers, basename($0)) }
    }

    /// The PanDA ID of the job directory `path` is (`innermostOnly`), or lies inside of; nil when
    /// it is no job directory. Only a component that is exactly `<prefix><digits>` counts.
    public func jobDirectoryID(_ path: String, innermostOnly: Bool = true) -> (id: String, directory: String)? {
        var path = path
        var prefix = jobDirectoryPrefix
        // ASCII (every path the pilot makes): components found from the end in the bytes, as the
        // split below finds them, without splitting the whole path into Characters.
        let ascii = path.withUTF8 { bytes in
            prefix.withUTF8 { prefix in
                ASCIIPath.jobDirectory(bytes, prefix: prefix, innermostOnly: innermostOnly)
            }
        }
        switch ascii {
        case .some(.some(let found)): return found
        case .some(.none): return nil
        case .none: return jobDirectoryIDByCharacters(path, innermostOnly: innermostOnly)
        }
    }

    /// `jobDirectoryID` on Characters, for a path or prefix that is not ASCII.
    func jobDirectoryIDByCharacters(_ path: String, innermostOnly: Bool) -> (id: String, directory: String)? {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        let candidates = innermostOnly ? [components.count - 1] : Array(components.indices.reversed())
        for index in candidates where index >= 0 {
            let component = components[index]
            guard component.hasPrefix(jobDirectoryPrefix) else { continue }
            let id = component.dropFirst(jobDirectoryPrefix.count)
            guard !id.isEmpty, id.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            return (String(id), components[...index].joined(separator: "/"))
        }
        return nil
    }

    /// A PanDA job ID: 1 to 20 ASCII digits.
    public static func isPandaID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 20 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func matches(_ globs: [String], _ name: String) -> Bool {
        globs.contains { fnmatch($0, name, 0) == 0 }
    }

    private func basename(_ path: String) -> String { ContainerInfo.basename(path) }
}

/// Byte-level path helpers for ASCII paths.
enum ASCIIPath {
    /// `PilotPatterns.jobDirectoryID` when `path` and `prefix` are ASCII: `.some(found)`;
    /// nil when either is not (the caller then works on Characters).
    static func jobDirectory(_ path: UnsafeBufferPointer<UInt8>, prefix: UnsafeBufferPointer<UInt8>,
                             innermostOnly: Bool) -> (id: String, directory: String)?? {
        guard !path.contains(where: { $0 >= 0x80 }), !prefix.contains(where: { $0 >= 0x80 }) else { return nil }
        let slash = UInt8(ascii: "/")
        var end = path.count
        while true {
            var start = end
            while start > 0 && path[start - 1] != slash { start -= 1 }
            let length = end - start
            if length > prefix.count,
               (0..<prefix.count).allSatisfy({ path[start + $0] == prefix[$0] }),
               (start + prefix.count..<end).allSatisfy({ path[$0] >= UInt8(ascii: "0") && path[$0] <= UInt8(ascii: "9") }) {
                let id = String(decoding: UnsafeBufferPointer(rebasing: path[(start + prefix.count)..<end]), as: UTF8.self)
                let directory = String(decoding: UnsafeBufferPointer(rebasing: path[0..<end]), as: UTF8.self)
                return .some((id, directory))
            }
            if innermostOnly || start == 0 { return .some(nil) }
            end = start - 1
        }
    }
}
