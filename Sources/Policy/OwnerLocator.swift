import Base
import Jobs
import ProcFS

/// Finds a job's owner DN in the pilot's files: its log in PILOT_HOME (pilot3 dumps the job
/// definition with prodUserID there), else the ATLAS trace report in the job directory.
///
/// The payload is the adversary, so both places come from the pilot's side only: PILOT_HOME is
/// the pilot's own working directory (never the PILOT_HOME a payload root shows, which it can set
/// with `exec env`), and the job directory is PILOT_HOME's `PanDA_Pilot-<id>` (never where the
/// payload root runs now). A DN is evidence only when no process of the job could have written or
/// replaced the file it came from (`OwnerFileTrust`); otherwise it is marked as a claim.
struct OwnerLocator {
    /// pilotlog.txt grows with the job; the definition is dumped near its start.
    static let readLimit = 16 << 20

    let inspector: FileInspector
    let patterns: PilotPatterns

    /// `runtimePIDs`: the job's container runtime chain when the caller has it (`JobContext`),
    /// else it is found again.
    func owner(of job: Job, pilot: ProcessSample, runtimePIDs: Set<Int32>? = nil) -> JobOwner? {
        guard let home = pilot.cwd?.path, home.hasPrefix("/") else { return nil }
        let jobDirectory = home + "/" + patterns.jobDirectoryPrefix + job.pandaID
        let candidates: [(path: String, parse: ([UInt8]) -> String?)] = [
            (home + "/pilotlog.txt", { JobOwnerParser.fromPilotLog($0, pandaID: job.pandaID) }),
            (jobDirectory + "/base_trace_report.json", JobOwnerParser.fromTraceReport),
        ]
        for candidate in candidates {
            let (facts, content) = inspector.read(path: candidate.path, throughPID: pilot.pid, limit: Self.readLimit)
            guard let content, let dn = candidate.parse(content) else { continue }
            let reason = OwnerFileTrust(inspector: inspector, pilotPID: pilot.pid)
                .whyReplaceable(facts, by: Self.workload(of: job, runtimePIDs: runtimePIDs))
            return JobOwner(dn: dn, source: candidate.path, payloadWritable: reason != nil, claimReason: reason)
        }
        return nil
    }

    /// The job's processes but the container runtime at its top (bwrap, starter, runtime parent):
    /// they run pilot-side code as the pilot, as the checks treat them (`JobContext.runtimeChain`).
    /// A job that is nothing but runtime processes is judged by all of them.
    static func workload(of job: Job, runtimePIDs: Set<Int32>? = nil) -> [ProcessSample] {
        let runtime = runtimePIDs ?? JobContext.runtimeChain(of: job)
        let workload = job.processes.filter { !runtime.contains($0.pid) }
        return workload.isEmpty ? job.processes : workload
    }
}

/// Whether processes could have written or replaced a file: as ssh's StrictModes, the file and
/// every directory above it, looked at through the pilot's root (the view the pilot wrote it in).
struct OwnerFileTrust {
    let inspector: FileInspector
    let pilotPID: Int32

    /// Why one of `processes` could have written the file or put another in its place; nil when
    /// none could. Anything that cannot be decided (an ACL, an unreadable directory, a process
    /// whose credentials are unknown) counts as could.
    func whyReplaceable(_ file: FileFacts, by processes: [ProcessSample]) -> String? {
        guard file.exists, file.error == nil else { return "\(file.path) could not be inspected" }
        if file.hasACL { return "\(file.path) has an ACL" }
        let directories = Self.parents(of: file.path)
        let facts = inspector.inspect(paths: directories, throughPID: pilotPID)
        for process in processes {
            guard let status = process.status else { return "process \(process.pid)'s credentials are unreadable" }
            if let reason = Self.canChange(file, process, status, isDirectory: false) { return reason }
            for directory in facts {
                guard directory.exists, directory.error == nil else { return "directory \(directory.path) could not be inspected" }
                if directory.hasACL { return "directory \(directory.path) has an ACL" }
                if let reason = Self.canChange(directory, process, status, isDirectory: true) { return reason }
            }
        }
        return nil
    }

    /// A process changes a file it may write, owns (it can chmod it) or holds CAP_FOWNER for; and
    /// replaces any entry of a directory it may write unless the directory is sticky (then only
    /// entries it owns, which the owner check of that entry already covers).
    private static func canChange(_ facts: FileFacts, _ process: ProcessSample, _ status: ProcessStatus, isDirectory: Bool) -> String? {
        let what = isDirectory ? "directory \(facts.path)" : facts.path
        if status.uids[3] == facts.uid { return "payload process \(process.pid) (uid \(facts.uid)) owns \(what)" }
        if Capability.fowner.isSet(in: status.capabilities.effective) && process.namespaces[.user] == initialUserNamespace {
            return "payload process \(process.pid) holds CAP_FOWNER"
        }
        guard let how = FileAccess(facts: facts, process: process, status: status).allows(.write) else { return nil }
        if isDirectory && facts.mode & 0o1000 != 0 && how != "CAP_DAC_OVERRIDE" { return nil }
        return "payload process \(process.pid) may write \(what) (\(how))"
    }

    /// Every directory above `path`, nearest first, up to `/`.
    static func parents(of path: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        var result: [String] = []
        while !components.isEmpty {
            components.removeLast()
            result.append("/" + components.joined(separator: "/"))
        }
        return result
    }
}
