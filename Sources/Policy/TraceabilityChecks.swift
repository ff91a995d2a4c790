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
        if let disagreement = batchDisagreement(rule, context) { return disagreement }
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

    /// TRACE-CGROUP: payload processes stay at or below the pilot's cgroup in every hierarchy that
    /// holds the job (`CgroupContainment`): a payload that left any one of them fails, naming
    /// the process, the hierarchy and both paths.
    static func cgroupContained(_ rule: PolicyRule, _ context: JobContext) -> Finding {
        guard let pilotEntries = context.pilot.cgroups else { return rule.skip(context.pilot.pid, "pilot's cgroup unreadable") }
        let containment = CgroupContainment(pilot: pilotEntries, wrapper: context.wrapper?.cgroups)
        guard !containment.references.isEmpty else {
            return rule.skip(context.pilot.pid, "the pilot sits in the root cgroup of every hierarchy: no batch job cgroup holds this job (does the batch system track jobs by cgroup?)",
                             ["pilot_cgroups": .list(pilotEntries.map { .string($0.line) })])
        }
        var escapes: [CgroupContainment.Escape] = []
        var unreadable: [Int32] = []
        for process in context.payload {
            guard let entries = process.cgroups else { unreadable.append(process.pid); continue }
            escapes += containment.escapes(of: process.pid, entries)
        }
        let checked = EvidenceValue.list(containment.references.map { .string($0.line) })
        var evidence: [String: EvidenceValue] = ["hierarchies": checked]
        if let batch = context.batch { evidence["batch_cgroup"] = .string(batch.cgroup) }
        if let first = escapes.first {
            evidence["pilot_cgroup"] = .string(first.reference.path)
            evidence["payload_cgroup"] = .text(first.path)
            evidence["hierarchy"] = .string(first.reference.hierarchyName)
            evidence["escapes"] = .list(escapes.prefix(Self.listedEscapes).map { .string($0.description) })
            evidence["escaped_processes"] = .int(Set(escapes.map(\.pid)).count)
            return rule.fail(first.pid, "payload process \(first.pid) left the pilot's cgroup in hierarchy \(first.reference.hierarchyName): "
                             + "\(first.path ?? "(not in that hierarchy)") is not under \(first.reference.path)", evidence)
        }
        if !unreadable.isEmpty {
            return rule.skip(unreadable[0], "payload process(es) \(unreadable.map(String.init).joined(separator: ", ")): cgroup unreadable", evidence)
        }
        evidence["pilot_cgroup"] = .string(containment.references[0].path)
        let names = containment.references.map(\.hierarchyName).joined(separator: ", ")
        return rule.pass(context.job.rootPID, "payload stays in the pilot's cgroup in every hierarchy that holds the job (\(names))", evidence)
    }

    /// At most this many escapes are listed in the evidence (the count says how many processes).
    static let listedEscapes = 20

    /// TRACE-ATTR's batch check: the environment's batch job ID against the batch system's cgroup.
    /// The cgroup wins (the payload cannot set it); the disagreement is a warning naming both.
    static func batchDisagreement(_ rule: PolicyRule, _ context: JobContext) -> Finding? {
        guard let batch = context.batch, let cgroupID = batch.jobID, let environment = context.job.batchJobID,
              environment.variable == batch.jobIDVariable, environment.value != cgroupID else { return nil }
        return rule.warn(context.pilot.pid,
                         "batch job ID disagrees: the environment says \(environment.variable)=\(environment.value), "
                         + "the \(batch.system) cgroup \(batch.cgroup) says \(cgroupID); the cgroup is believed", [
                             "panda_id": .string(context.job.pandaID), "environment_variable": .string(environment.variable),
                             "environment_batch_job_id": .string(environment.value), "cgroup_batch_job_id": .string(cgroupID),
                             "batch_cgroup": .string(batch.cgroup), "batch_system": .string(batch.system),
                         ])
    }
}
