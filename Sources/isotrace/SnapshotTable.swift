import Base
import ProcFS

/// The human view of a snapshot: node facts, then one line per process.
enum SnapshotTable {
    static func render(_ snapshot: Snapshot) -> String {
        let node = snapshot.node
        var out = "node \(PrintableText.escape(node.hostname ?? "?"))  boot \(PrintableText.escape(node.bootID ?? "?"))  kernel \(PrintableText.escape(node.kernelRelease ?? "?"))"
        out += "  ptrace_scope \(node.ptraceScope.map(String.init) ?? "n/a")"
        out += "  max_user_namespaces \(node.maxUserNamespaces.map(String.init) ?? "n/a")\n"
        let c = snapshot.counters
        out += "sampled \(snapshot.takenAt): \(c.processes) processes, \(c.vanished) vanished while read, "
        out += "\(c.unreadable) partly unreadable, \(c.malformed) malformed\n\n"

        let header = ["PID", "PPID", "UID", "START", "PIDNS", "MNTNS", "USERNS", "NNP", "SECCOMP", "CAPEFF", "COMMAND"]
        var rows: [[String]] = [header]
        for process in snapshot.processes {
            let status = process.status
            let seccomp = status.map { status -> String in
                guard status.seccomp == .filter else { return status.seccomp.rawValue }
                return "filter(\(status.seccompFilters.map(String.init) ?? "?"))"
            }
            let command: String
            if let arguments = process.arguments, !arguments.isEmpty {
                command = arguments.joined(separator: " ")
            } else {
                command = "[\(process.stat.comm)]"
            }
            rows.append([
                String(process.pid), String(process.stat.ppid),
                status.map { String($0.uids[1]) } ?? "?",
                String(process.startTime.description.dropLast(5).replacingOccurrences(of: "T", with: " ")),
                process.namespaces[.pid].map(String.init) ?? "?",
                process.namespaces[.mnt].map(String.init) ?? "?",
                process.namespaces[.user].map(String.init) ?? "?",
                status.map { $0.noNewPrivs ? "1" : "0" } ?? "?",
                seccomp ?? "?",
                status.map { Capability.hex($0.capabilities.effective) } ?? "?",
                PrintableText.escape(command),
            ])
        }
        let widths = header.indices.dropLast().map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                if column < widths.count {
                    line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                } else {
                    line += cell
                }
            }
            out += line + "\n"
        }
        return out
    }
}
