import Jobs
import ProcFS

/// TRACE-*: every payload process is traceable to one job, and stays where the batch system
/// accounts for it.
enum TraceabilityChecks {
    /// TRACE-ATTR: pilot-side evidence agrees on one PanDA ID, and no payload process claims another.
    static func attribution(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        let job = context.job
        if let conflict = job.conflicts.first {
            return rule.fail(job.rootPID, "pilot-side evidence disagrees: job directory says \(job.pandaID), \(conflict.source.rawValue) says \(conflict.pandaID)", [
                "panda_id": .string(job.pandaID), "conflicting_source": .string(conflict.source.rawValue),
                "conflicting_panda_id": .string(conflict.pandaID), "detail": .string(conflict.detail),
            ])
        }
        if let spoof = job.spoofs.first {
            return rule.fail(spoof.pid, "process \(spoof.pid) claims PanDA ID \(spoof.claimedPandaID) but belongs to job \(job.pandaID)", [
                "panda_id": .string(job.pandaID), "claimed_panda_id": .string(spoof.claimedPandaID),
                "variable": .string(spoof.variable), "spoofed_processes": .int(job.spoofs.count),
            ])
        }
        if job.rootRecognition != .jobDirectory {
            // A payload root outside its job directory: kept in its job, and said so.
            let away = job.processes.first { $0.stat.sid == $0.pid && !inJobDirectory($0, job) } ?? job.root
            let cwd = away.cwd?.path ?? "?"
            let how = job.rootRecognition == .earlierSighting
                ? "kept in job \(job.pandaID) from an earlier sighting of this very process"
                : "attributed to job \(job.pandaID) by the environment the pilot gave it at exec"
            return rule.warn(away.pid, "payload root \(away.pid) runs outside its job directory (cwd \(cwd)); \(how)", [
                "panda_id": .string(job.pandaID), "root_recognition": .string(job.rootRecognition.rawValue),
                "cwd": .string(cwd), "job_directory": .string(job.jobDirectory),
                "evidence": .list(job.evidence.map { .string("\($0.source.rawValue): \($0.detail)") }),
            ])
        }
        return rule.pass(job.rootPID, "\(job.processes.count) payload processes attributed to PanDA ID \(job.pandaID)", [
            "panda_id": .string(job.pandaID),
            "evidence": .list(job.evidence.map { .string("\($0.source.rawValue): \($0.detail)") }),
        ])
    }

    private static func inJobDirectory(_ process: ProcessSample, _ job: Job) -> Bool {
        guard let cwd = process.cwd?.path else { return false }
        return cwd == job.jobDirectory || cwd.hasPrefix(job.jobDirectory + "/")
    }

    /// Processes that claim a PanDA ID under no pilot: reported once per audit.
    static func unattributed(rule: PolicyRule, _ processes: [UnattributedProcess]) -> Finding {
        let first = processes[0]
        return rule.fail(first.process.pid, "\(processes.count) process(es) claim a PanDA ID but run under no pilot (first: pid \(first.process.pid) claims \(first.claimedPandaID))", [
            "processes": .list(processes.map { .string("\($0.process.pid): \($0.claimedPandaID) (\($0.claimSource))") }),
        ])
    }

    /// TRACE-CGROUP: payload processes are inside the pilot's cgroup subtree (v2, or v1 name=systemd).
    static func cgroupContained(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        guard let pilotPath = context.pilot.cgroupPath else { return rule.skip(context.pilot.pid, "pilot's cgroup unreadable") }
        for process in context.payload {
            guard let path = process.cgroupPath else { return rule.skip(process.pid, "payload process \(process.pid): cgroup unreadable") }
            let inside = pilotPath == "/" || path == pilotPath || path.hasPrefix(pilotPath + "/")
            if !inside {
                return rule.fail(process.pid, "payload process \(process.pid) left the pilot's cgroup: \(path) is not under \(pilotPath)",
                                 ["pilot_cgroup": .string(pilotPath), "payload_cgroup": .string(path)])
            }
        }
        return rule.pass(context.job.rootPID, "payload stays in the pilot's cgroup subtree \(pilotPath)", ["pilot_cgroup": .string(pilotPath)])
    }
}
