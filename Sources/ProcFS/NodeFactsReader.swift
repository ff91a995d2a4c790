import Base

/// Reads `NodeFacts` from a proc root. The machine ID lives outside /proc, in `etc/machine-id`
/// beside the proc root (`/etc/machine-id` for `/proc`), so a copied node tree `X/proc` + `X/etc`
/// is read exactly like the live one.
public struct NodeFactsReader: Sendable {
    public var procRoot: String

    public init(procRoot: String) { self.procRoot = procRoot }

    public func read() throws(ProcRootError) -> NodeFacts {
        var buffer: [UInt8] = []
        var unavailable: [String: String] = [:]
        let statPath = procRoot + "/stat"
        let bootTime: UInt64
        do {
            let count = try Syscalls.readFile(at: nil, statPath, displayPath: statPath, into: &buffer)
            bootTime = try SystemStat.parseBootTime(buffer[0..<count])
        } catch let error as SystemCallError {
            throw ProcRootError(path: procRoot, reason: "not a readable proc tree: \(error)")
        } catch {
            throw ProcRootError(path: statPath, reason: "\(error)")
        }

        func text(_ name: String, _ path: String) -> String? {
            do throws(SystemCallError) {
                let count = try Syscalls.readFile(at: nil, path, displayPath: path, into: &buffer)
                let value = EscapedText.decode(ByteScan.trimmed(buffer[0..<count]))
                if value.isEmpty { unavailable[name] = "\(path) is empty"; return nil }
                return value
            } catch {
                unavailable[name] = error.isNotFound ? "\(path) is not present" : "\(path): \(error.reason)"
                return nil
            }
        }
        func number(_ name: String, _ path: String) -> Int? {
            guard let value = text(name, path) else { return nil }
            guard let number = Int(value) else { unavailable[name] = "\(path): not a number: \"\(value)\""; return nil }
            return number
        }
        let sys = procRoot + "/sys/"
        return NodeFacts(
            hostname: text("hostname", sys + "kernel/hostname"),
            bootID: text("boot_id", sys + "kernel/random/boot_id"),
            machineID: text("machine_id", machineIDPath),
            kernelRelease: text("kernel_release", sys + "kernel/osrelease"),
            ptraceScope: number("ptrace_scope", sys + "kernel/yama/ptrace_scope"),
            maxUserNamespaces: number("max_user_namespaces", sys + "user/max_user_namespaces"),
            unprivilegedUsernsClone: number("unprivileged_userns_clone", sys + "kernel/unprivileged_userns_clone"),
            pidMax: number("pid_max", sys + "kernel/pid_max"),
            bootTime: bootTime,
            clockTicksPerSecond: Syscalls.clockTicksPerSecond(),
            unavailable: unavailable)
    }

    /// `<parent of proc root>/etc/machine-id`.
    var machineIDPath: String {
        hostRoot == "/" ? "/etc/machine-id" : hostRoot + "/etc/machine-id"
    }

    /// The root directory of the node the proc root belongs to: `/` for `/proc`, `X` for `X/proc`.
    public var hostRoot: String {
        var root = procRoot
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        guard let slash = root.lastIndex(of: "/") else { return "." }
        let parent = root[..<slash]
        return parent.isEmpty ? "/" : String(parent)
    }
}
