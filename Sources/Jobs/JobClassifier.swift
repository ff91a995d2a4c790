#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ProcFS

/// Tells pilots from payloads and attributes every payload process to a PanDA job.
///
/// The rules (../shared/DESIGN.md, "Vocabulary"), checked against a real pilot3
/// (../shared/reference/pilot3-observed.md):
/// - a pilot is a process matching `PilotPatterns`; a wrapper above pilot.py is its wrapper;
/// - a payload root is a pilot descendant that leads its own session AND runs in a job directory
///   `PanDA_Pilot-<id>`; the pilot's helpers also lead sessions and inherit PANDAID but run in
///   PILOT_HOME, so they stay pilot side;
/// - everything below a payload root is that payload, whatever it later claims or wherever it
///   cds to; orphans the pilot reaped as subreaper stay in their payload through their session;
/// - a pilot-looking process inside a payload is payload, not a pilot (a payload cannot make
///   itself a pilot by naming itself pilot.py).
public struct JobClassifier: Sendable {
    public var patterns: PilotPatterns

    public init(patterns: PilotPatterns = .default) { self.patterns = patterns }

    /// Classifies one snapshot. `earlier` is the graph of an earlier snapshot of the same node (the
    /// daemon's last cycle): a process that was in one of its jobs stays in that job, by identity,
    /// wherever it has gone since (a payload cannot leave its job with a `cd`).
    public func classify(_ processes: [ProcessSample], earlier: JobGraph? = nil) -> JobGraph {
        let tree = ProcessTree(processes)
        var known: [ProcessIdentity: Job] = [:]
        for job in earlier?.jobs ?? [] {
            for process in job.processes { known[process.identity] = job }
        }
        var walk = TreeWalk(patterns: patterns, tree: tree, earlier: known)
        walk.run()
        walk.adoptSessionOrphans()

        var jobs: [Job] = []
        for root in walk.roots {
            let members = walk.members[root, default: []]
            jobs.append(makeJob(root: root, pilot: walk.pilotOf[root]!, members: members, tree: tree, walk: walk))
        }
        jobs = merge(jobs)
        let pilots = walk.pilotPIDs.map { pid -> Pilot in
            let wrapper = walk.wrapperOf[pid].flatMap { tree.byPID[$0] }
            let process = tree.byPID[pid]!
            return Pilot(
                process: process, wrapper: wrapper,
                pilotSidePIDs: walk.pilotSide[pid, default: []].sorted(),
                batchJobID: BatchJobID.find(in: [process.environment, wrapper?.environment]))
        }
        return JobGraph(pilots: pilots, jobs: jobs, unattributed: unattributed(tree: tree, walk: walk))
    }

    private func makeJob(root rootPID: Int32, pilot pilotPID: Int32, members: [Int32], tree: ProcessTree, walk: TreeWalk) -> Job {
        let root = tree.byPID[rootPID]!
        // What the root says of itself now: its environment and command line.
        var stated: [AttributionEvidence] = []
        for variable in ["PANDAID", "PandaID"] {
            if let value = root.environment?[variable] {
                stated.append(AttributionEvidence(source: .rootEnvironment, pandaID: value, detail: variable))
            }
        }
        let exported = CommandLineExports.find(in: root.arguments ?? [])
        if let value = exported["PandaID"] {
            stated.append(AttributionEvidence(source: .commandLine, pandaID: value, detail: "export PandaID=\(value)"))
        }
        let pandaID: String, directory: String, recognition: RootRecognition
        let evidence: [AttributionEvidence]
        var taskID = root.environment?["PanDA_TaskID"] ?? exported["PanDA_TaskID"] ?? frontierTaskID(root)
        var attempt = root.environment?["PanDA_AttemptNr"] ?? exported["PanDA_AttemptNr"]
        switch walk.rootEvidence[rootPID]! {
        case .jobDirectory(let id, let path):
            (pandaID, directory, recognition) = (id, path, .jobDirectory)
            evidence = [AttributionEvidence(source: .jobDirectory, pandaID: id, detail: path)] + stated
        case .earlierSighting(let job):
            // Attribution, task and attempt as first seen: what the process says after a later exec is a claim.
            (pandaID, directory) = (job.pandaID, job.jobDirectory)
            let inDirectory = root.cwd.flatMap { patterns.jobDirectoryID($0.path, innermostOnly: false) }?.id == job.pandaID
            recognition = inDirectory ? .jobDirectory : .earlierSighting
            evidence = job.evidence + stated.filter { !job.evidence.contains($0) }
            (taskID, attempt) = (job.taskID, job.attemptNumber)
        case .execEnvironment(let id, _, let pilotHome):
            (pandaID, directory, recognition) = (id, pilotHome + "/" + patterns.jobDirectoryPrefix + id, .execEnvironment)
            evidence = stated
        }
        let conflicts = evidence.filter { $0.pandaID != pandaID }
        let memberSamples = members.filter { $0 != rootPID }.sorted().compactMap { tree.byPID[$0] }
        let pilot = tree.byPID[pilotPID]
        let wrapper = walk.wrapperOf[pilotPID].flatMap { tree.byPID[$0] }
        // The batch system's job ID only from the pilot's side (its and its wrapper's exec-time
        // environment): the payload root's environment is the payload's to choose.
        var job = Job(
            pandaID: pandaID, taskID: taskID, attemptNumber: attempt, pilotPID: pilotPID, rootPID: rootPID,
            processes: [], jobDirectory: directory, evidence: evidence, conflicts: conflicts, spoofs: [], containers: [:],
            batchJobID: BatchJobID.find(in: [pilot?.environment, wrapper?.environment]), rootRecognition: recognition)
        setProcesses(of: &job, [root] + memberSamples)
        return job
    }

    /// Sets a job's processes (its root first, then the others by PID) and what is made of them:
    /// the claims of another PanDA ID by its processes, and each one's container.
    func setProcesses(of job: inout Job, _ processes: [ProcessSample]) {
        var spoofs: [SpoofedClaim] = []
        for process in processes.dropFirst() {
            for variable in ["PANDAID", "PandaID"] {
                if let claimed = process.environment?[variable], claimed != job.pandaID {
                    spoofs.append(SpoofedClaim(pid: process.pid, claimedPandaID: claimed, variable: variable))
                }
            }
        }
        job.processes = processes
        job.spoofs = spoofs
        job.containers = containers(of: processes)
    }

    /// `FRONTIER_ID="[<taskID>_<PandaID>]"` (ATLAS) carries the task ID.
    private func frontierTaskID(_ root: ProcessSample) -> String? {
        guard let value = root.environment?["FRONTIER_ID"] else { return nil }
        let inner = value.filter { $0 != "[" && $0 != "]" && $0 != "\"" }
        guard let underscore = inner.firstIndex(of: "_") else { return nil }
        let task = inner[..<underscore]
        return !task.isEmpty && task.allSatisfy(\.isNumber) ? String(task) : nil
    }

    /// Each process's container: its own runtime, else its nearest ancestor's within the job.
    /// `samples` are the job's processes (root first), as the tree holds them.
    private func containers(of samples: [ProcessSample]) -> [Int32: ContainerInfo] {
        let own = samples.map { ContainerInfo.recognise(argv: $0.arguments ?? [], comm: $0.stat.comm) }
        // No runtime process in the job (most jobs): nothing to resolve.
        guard own.contains(where: { $0 != nil }) else { return [:] }
        // Positions in `samples` by PID, and each one's parent, read once.
        var position: [Int32: Int] = [:]
        position.reserveCapacity(samples.count)
        for (index, sample) in samples.enumerated() where position[sample.pid] == nil { position[sample.pid] = index }
        let parents = samples.map { $0.stat.ppid }
        // Each process is resolved once: a walk up stops at the first ancestor already resolved
        // and resolves the whole path it took, so a chain of any depth costs linear time.
        var resolved: [ContainerInfo??] = Array(repeating: nil, count: samples.count)
        for start in samples.indices {
            var path: [Int] = []
            var found: ContainerInfo?
            var current: Int? = start
            while let at = current, path.count <= samples.count {
                if let known = resolved[at] { found = known; break }
                path.append(at)
                if let info = own[at] { found = info; break }
                current = position[parents[at]]
            }
            for at in path { resolved[at] = .some(found) }
        }
        var result: [Int32: ContainerInfo] = [:]
        for (index, sample) in samples.enumerated() {
            if let info = resolved[index] ?? nil { result[sample.pid] = info }
        }
        return result
    }

    /// Two roots of the same PanDA ID under one pilot are one job.
    private func merge(_ jobs: [Job]) -> [Job] {
        struct Key: Hashable { var pandaID: String; var pilotPID: Int32 }
        var merged: [Job] = []
        var index: [Key: Int] = [:]
        for job in jobs {
            let key = Key(pandaID: job.pandaID, pilotPID: job.pilotPID)
            if let index = index[key] {
                merged[index].processes += job.processes
                merged[index].spoofs += job.spoofs
                merged[index].conflicts += job.conflicts
                merged[index].containers.merge(job.containers) { first, _ in first }
                if merged[index].rootRecognition == .jobDirectory { merged[index].rootRecognition = job.rootRecognition }
            } else {
                index[key] = merged.count
                merged.append(job)
            }
        }
        // Keys made once (a PanDA ID's count walks its Characters), not twice per comparison. No
        // two jobs share a root, so the order is the same whatever the sort does with equal keys.
        let keys = merged.map { ($0.pandaID.count, $0.pandaID, $0.rootPID) }
        return merged.indices.sorted { keys[$0] < keys[$1] }.map { merged[$0] }
    }

    /// Processes under no pilot that claim a PanDA ID by environment or job directory, and session
    /// leaders below a pilot whose PANDAID names no job (neither payload nor helper).
    private func unattributed(tree: ProcessTree, walk: TreeWalk) -> [UnattributedProcess] {
        var result: [UnattributedProcess] = walk.strays.map { stray in
            UnattributedProcess(process: stray.process, claimedPandaID: stray.process.environment?[stray.variable] ?? "",
                                claimSource: "\(stray.variable) below pilot \(stray.pilot), outside its job directory")
        }
        for process in tree.processes where !walk.underPilot.contains(process.pid) && !process.stat.isKernelThread {
            if let claim = claim(of: process) {
                result.append(UnattributedProcess(process: process, claimedPandaID: claim.pandaID, claimSource: claim.source))
            }
        }
        return result
    }

    /// The PanDA ID a process claims by itself, and where: `PANDAID` or `PandaID` in its
    /// environment, else a job directory as its working directory (`job_directory`).
    func claim(of process: ProcessSample) -> (pandaID: String, source: String)? {
        for variable in ["PANDAID", "PandaID"] {
            if let value = process.environment?[variable] { return (value, variable) }
        }
        if let cwd = process.cwd?.path, let (id, _) = patterns.jobDirectoryID(cwd, innermostOnly: false) {
            return (id, "job_directory")
        }
        return nil
    }
}

/// `export NAME=value` assignments in a command line (the ATLAS plugin's payload command).
enum CommandLineExports {
    static let names = ["PandaID", "PanDA_TaskID", "PanDA_AttemptNr"]

    static func find(in argv: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for argument in argv {
            var argument = argument
            // ASCII (nearly every command line): searched as bytes, where Characters and bytes
            // agree. Anything else: the String search, by Characters, as before.
            let searched = argument.withUTF8 { bytes -> Bool in
                guard ASCIIScan.isASCII(bytes) else { return false }
                for (name, needle) in needles where found[name] == nil {
                    guard var at = firstOffset(of: needle, in: bytes) else { continue }
                    at += needle.count
                    while at < bytes.count && (bytes[at] == UInt8(ascii: "\"") || bytes[at] == UInt8(ascii: "'")) { at += 1 }
                    var end = at
                    while end < bytes.count && bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "9") { end += 1 }
                    if end > at { found[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self) }
                }
                return true
            }
            if searched { continue }
            for name in names where found[name] == nil {
                guard let range = argument.firstRange(of: "export \(name)=") else { continue }
                let value = argument[range.upperBound...].drop(while: { $0 == "\"" || $0 == "'" }).prefix(while: \.isNumber)
                if !value.isEmpty { found[name] = String(value) }
            }
        }
        return found
    }

    private static let needles = names.map { ($0, Array("export \($0)=".utf8)) }

    /// Where `needle` first stands in `bytes`. Found by its second byte (the `x` of `export`):
    /// a payload's command line is kilobytes of script, with an `e` every few bytes for a search
    /// by the first byte to stop at.
    private static func firstOffset(of needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress, needle.count >= 2, bytes.count >= needle.count else { return nil }
        let last = bytes.count - needle.count
        var offset = 0
        // A candidate at `offset` or later has its second byte at offset + 1 ... last + 1.
        while offset <= last, let found = memchr(base + offset + 1, Int32(needle[1]), last - offset + 1) {
            offset = UnsafeRawPointer(found) - UnsafeRawPointer(base) - 1
            if memcmp(base + offset, needle, needle.count) == 0 { return offset }
            offset += 1
        }
        return nil
    }
}
