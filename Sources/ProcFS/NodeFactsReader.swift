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
        let bootID = text("boot_id", sys + "kernel/random/boot_id")
        return NodeFacts(
            hostname: text("hostname", sys + "kernel/hostname"),
            bootID: bootID,
            machineID: text("machine_id", machineIDPath),
            kernelRelease: text("kernel_release", sys + "kernel/osrelease"),
            ptraceScope: number("ptrace_scope", sys + "kernel/yama/ptrace_scope"),
            maxUserNamespaces: number("max_user_namespaces", sys + "user/max_user_namespaces"),
            unprivilegedUsernsClone: number("unprivileged_userns_clone", sys + "kernel/unprivileged_userns_clone"),
            pidMax: number("pid_max", sys + "kernel/pid_max"),
            bootTime: bootTime,
            bootMilliseconds: bootID.flatMap { Self.bootMilliseconds(bootTime: bootTime, bootID: $0) } ?? 0,
            clockTicksPerSecond: Syscalls.clockTicksPerSecond(),
            unavailable: unavailable)
    }

    /// The milliseconds of the boot instant past `btime`'s whole second, from the clocks
    /// (`thisBoot`): only for a proc root of this very boot (its boot ID is ours), and only when
    /// the clocks agree with its btime (a time namespace, a forged btime: nil, and start times
    /// count from btime's whole second as `ps` counts them).
    static func bootMilliseconds(bootTime: UInt64, bootID: String) -> UInt64? {
        guard let thisBoot, thisBoot.bootID == bootID else { return nil }
        let second = Int64(clamping: bootTime).multipliedReportingOverflow(by: 1000)
        guard !second.overflow, thisBoot.instant >= second.partialValue, thisBoot.instant - second.partialValue < 1000 else { return nil }
        return UInt64(thisBoot.instant - second.partialValue)
    }

    /// This boot's ID and instant (milliseconds since the epoch, CLOCK_REALTIME less
    /// CLOCK_BOOTTIME), taken once per run: read again, the difference may land on the next
    /// millisecond (the clocks are read one after the other) or move (the clock set), and every
    /// sample of one run must count start times from the same instant (a process sampled twice,
    /// by both samplers, or first seen by the event source, has one start time).
    static let thisBoot: (bootID: String, instant: Int64)? = {
        var buffer: [UInt8] = []
        let path = "/proc/sys/kernel/random/boot_id"
        guard let count = try? Syscalls.readFile(at: nil, path, displayPath: path, into: &buffer) else { return nil }
        return (EscapedText.decode(ByteScan.trimmed(buffer[0..<count])), Syscalls.bootInstantMilliseconds())
    }()

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
