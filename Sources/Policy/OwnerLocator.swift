import Jobs
import ProcFS

/// Finds a job's owner DN in the pilot's files: its log in PILOT_HOME (pilot3 dumps the job
/// definition with prodUserID there), else the ATLAS trace report in the job directory.
struct OwnerLocator {
    /// pilotlog.txt grows with the job; the definition is dumped near its start.
    static let readLimit = 16 << 20

    let inspector: FileInspector

    func owner(of job: Job, pilot: ProcessSample) -> JobOwner? {
        let home = job.root.environment?["PILOT_HOME"] ?? pilot.cwd?.path
        var candidates: [(path: String, parse: ([UInt8]) -> String?)] = []
        if let home {
            candidates.append((home + "/pilotlog.txt", { JobOwnerParser.fromPilotLog($0, pandaID: job.pandaID) }))
        }
        candidates.append((job.jobDirectory + "/base_trace_report.json", JobOwnerParser.fromTraceReport))
        for candidate in candidates {
            let (facts, content) = inspector.read(path: candidate.path, throughPID: pilot.pid, limit: Self.readLimit)
            guard let content, let dn = candidate.parse(content) else { continue }
            return JobOwner(dn: dn, source: candidate.path, payloadWritable: payloadCanWrite(facts, job))
        }
        return nil
    }

    /// Whether any workload process of the job may write the file (then the DN is only a claim).
    private func payloadCanWrite(_ facts: FileFacts, _ job: Job) -> Bool {
        job.processes.contains { process in
            guard let status = process.status else { return true }
            return FileAccess(facts: facts, process: process, status: status).allows(.write) != nil
        }
    }
}
