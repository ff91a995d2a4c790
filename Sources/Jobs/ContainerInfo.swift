/// A container runtime seen in a payload's process tree, and the image it runs when the
/// command line shows it.
public struct ContainerInfo: Sendable, Equatable, Codable {
    /// `apptainer`, `singularity`, `podman`, `crun`, `runc`, `conmon`, `bubblewrap`.
    public var runtime: String
    /// The process that showed it (e.g. `Apptainer runtime parent`, `starter-suid`, `appinit`).
    public var process: String
    public var image: String?

    public init(runtime: String, process: String, image: String?) {
        self.runtime = runtime
        self.process = process
        self.image = image
    }

    /// Recognises a container runtime process from its argv and comm.
    ///
    /// Apptainer and Singularity 3.x rename their runtime parent `Apptainer runtime parent: <image>`
    /// / `Singularity runtime parent`, start it through `starter` or `starter-suid`, and run `appinit`
    /// / `sinit` as PID 1 of a new PID namespace; Singularity 2.x shows `action-suid` and `shim-init`.
    public static func recognise(argv: [String], comm: String) -> ContainerInfo? {
        // The renamed runtime parent's title starts with A or S: only then is argv joined (a
        // payload's command line runs to kilobytes, and every process of a job is asked).
        // The title starts with argv[0], so argv[0] and the prefix must be one the other's prefix
        // (an ATLAS transform `Sim_tf.py ...` is not joined).
        if let first = argv.first, first.utf8.first == UInt8(ascii: "A") || first.utf8.first == UInt8(ascii: "S"),
           Self.runtimeParentTitles.contains(where: { $0.prefix.hasPrefix(first) || first.hasPrefix($0.prefix) }) {
            let title = argv.joined(separator: " ")
            for (prefix, runtime) in Self.runtimeParentTitles where title.hasPrefix(prefix) {
                let rest = title.dropFirst(prefix.count)
                let image = rest.hasPrefix(":") ? rest.dropFirst().trimmingSpaces() : ""
                return ContainerInfo(runtime: runtime, process: prefix, image: image.isEmpty ? nil : image)
            }
        }
        // Every process of every job is asked: an argv[0] whose last component cannot be one of
        // the names below is ruled out on its bytes, before a String is made of it.
        if let first = argv.first, !mayNameRuntime(first) { return nil }
        let name = argv.first.map(basename) ?? comm
        switch name {
        case "apptainer", "singularity":
            return ContainerInfo(runtime: name, process: name, image: imageArgument(argv, subcommands: ["exec", "run", "shell", "test", "instance"]))
        case "starter", "starter-suid":
            return ContainerInfo(runtime: "apptainer", process: name, image: nil)
        case "appinit":
            return ContainerInfo(runtime: "apptainer", process: name, image: nil)
        case "sinit", "action-suid", "shim-init":
            return ContainerInfo(runtime: "singularity", process: name, image: nil)
        case "podman":
            return ContainerInfo(runtime: name, process: name, image: imageArgument(argv, subcommands: ["run", "exec", "create", "start"]))
        case "crun", "runc", "conmon":
            return ContainerInfo(runtime: name, process: name, image: nil)
        case "bwrap":
            return ContainerInfo(runtime: "bubblewrap", process: name, image: nil)
        default:
            return nil
        }
    }

    /// Options of apptainer/singularity/podman that take a value, so the value is not taken for the image.
    static let optionsWithValue: Set<String> = [
        "-B", "--bind", "--mount", "-H", "--home", "--pwd", "-W", "--workdir", "-S", "--scratch", "--env",
        "--env-file", "--security", "--overlay", "-o", "--network", "--network-args", "--hostname", "--app",
        "--apply-cgroups", "--dns", "--fusemount", "--cwd", "-e", "--name", "-v", "--volume", "-u", "--user",
        "--entrypoint", "-w", "--pid", "--ipc", "--uts", "--userns", "--cgroupns", "--cap-add", "--cap-drop",
        "--security-opt", "--tmpdir", "--config", "--nv-ccli", "--add-caps", "--drop-caps", "--keep-privs",
    ]

    /// The first non-option argument after the subcommand: the image.
    static func imageArgument(_ argv: [String], subcommands: Set<String>) -> String? {
        guard let subcommand = argv.firstIndex(where: { subcommands.contains($0) }) else { return nil }
        var index = subcommand + 1
        while index < argv.count {
            let argument = argv[index]
            if argument.hasPrefix("-") {
                index += (optionsWithValue.contains(argument) && !argument.contains("=")) ? 2 : 1
                continue
            }
            return argument
        }
        return nil
    }

    /// The titles Apptainer and Singularity give their runtime parent, and the runtime.
    static let runtimeParentTitles = [(prefix: "Apptainer runtime parent", runtime: "apptainer"),
                                      (prefix: "Singularity runtime parent", runtime: "singularity")]

    /// The names `recognise` knows a runtime process by (its switch below), as bytes.
    private static let runtimeNames: [[UInt8]] = [
        "apptainer", "singularity", "starter", "starter-suid", "appinit", "sinit", "action-suid", "shim-init", "podman",
        "crun", "runc", "conmon", "bwrap",
    ].map { Array($0.utf8) }

    /// False when the last component of `path` (as `basename` finds it) is none of the names
    /// `recognise` knows, compared as bytes.
    static func mayNameRuntime(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes -> Bool in
            // Not ASCII: basename splits such a path as Characters; let it.
            if bytes.contains(where: { $0 >= 0x80 }) { return true }
            var end = bytes.count
            while end > 0 && bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
            var start = end
            while start > 0 && bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
            // All slashes: basename gives the path itself, which is no runtime's name.
            guard end > 0 else { return false }
            let name = UnsafeBufferPointer(rebasing: bytes[start..<end])
            return runtimeNames.contains { $0.count == name.count && $0.elementsEqual(name) }
        }
    }

    /// The last component of a path (`split(separator: "/").last`), the path itself when it has none.
    static func basename(_ path: String) -> String {
        // ASCII (nearly every argv[0]): the last non-empty component found from the end, as the
        // split below finds it, without splitting the whole path.
        var path = path
        let ascii = path.withUTF8 { bytes -> String?? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            var end = bytes.count
            while end > 0 && bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
            guard end > 0 else { return .some(nil) }
            var start = end
            while start > 0 && bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
            return .some(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
        }
        if let ascii { return ascii ?? path }
        return path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
