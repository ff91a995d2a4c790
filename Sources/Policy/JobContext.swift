import Jobs
import ProcFS

/// What the checks of one job look at: the job, its pilot, the snapshot around it.
///
/// A class: every check and exemption takes it, and a copy of the struct it was retained each
/// of its dozens of references (a Job, two samples, the snapshot, the graph) every time.
final class JobContext {
    let job: Job
    let pilot: ProcessSample
    let snapshot: Snapshot
    let graph: JobGraph
    /// Every job's (uid, PID namespace) pairs, for the cross-payload check.
    let peers: PeerIndex
    /// Container runtime processes at the top of the payload (see `runtimeChain`).
    let runtimePIDs: Set<Int32>
    /// The runpilot wrapper above the pilot, when seen.
    let wrapper: ProcessSample?
    /// The batch job the pilot runs in, as its cgroup names it (the policy's `batch_systems`).
    let batch: BatchCgroupMatch?

    init(job: Job, pilot: ProcessSample, snapshot: Snapshot, graph: JobGraph, peers: PeerIndex, runtimePIDs: Set<Int32>? = nil,
         wrapper: ProcessSample? = nil, batch: BatchCgroupMatch? = nil) {
        self.job = job
        self.pilot = pilot
        self.wrapper = wrapper
        self.batch = batch
        self.snapshot = snapshot
        self.graph = graph
        self.peers = peers
        self.runtimePIDs = runtimePIDs ?? Self.runtimeChain(of: job)
    }

    var payload: [ProcessSample] { job.processes }

    func mountNamespace(_ inode: UInt64?) -> MountNamespaceSample? {
        guard let inode else { return nil }
        return snapshot.mountNamespaces.first { $0.inode == inode }
    }

    /// Payload processes that are container runtime machinery (starter, runtime parent, bwrap),
    /// not workload: they run as the pilot by necessity, and the checks look at what runs inside.
    func isRuntimeProcess(_ process: ProcessSample) -> Bool { runtimePIDs.contains(process.pid) }

    /// Runtime processes count as machinery only on the unbroken chain from the payload root down:
    /// a workload process deeper in the tree that names itself `starter` is still workload.
    static func runtimeChain(of job: Job) -> Set<Int32> {
        let rootPID = job.rootPID
        // Runtime processes by parent; then one walk down from the root through runtimes only
        // (linear, where a fixed-point loop over a deep chain of runtimes was quadratic).
        var runtimeChildren: [Int32: [Int32]] = [:]
        var chain: Set<Int32> = []
        for process in job.processes
        where ContainerInfo.recognise(argv: process.arguments ?? [], comm: process.stat.comm) != nil {
            if process.pid == rootPID { chain.insert(process.pid) } else { runtimeChildren[process.stat.ppid, default: []].append(process.pid) }
        }
        var stack = [rootPID]
        while let parent = stack.popLast() {
            for child in runtimeChildren[parent] ?? [] where chain.insert(child).inserted { stack.append(child) }
        }
        return chain
    }
}

/// The initial user namespace's inode, fixed by the kernel.
let initialUserNamespace: UInt64 = NamespaceKind.user.initialInode!

extension ProcessSample {
    var commandSummary: String {
        let parts = arguments?.isEmpty == false ? arguments! : ["[\(stat.comm)]"]
        // Joined only as far as the summary shows: a payload's command line runs to kilobytes.
        // Past 80 Characters the rest can change neither the first 77 nor make it 80 or fewer.
        var text = ""
        for (index, part) in parts.enumerated() {
            if index > 0 { text += " " }
            text += part
            if text.utf8.count > 80 && (Self.bytesAreCharacters(text) || !text.dropFirst(80).isEmpty) { break }
        }
        // At most 80 bytes: at most 80 Characters.
        if text.utf8.count <= 80 { return text }
        // Characters are bytes here: more than 80 of them, and the first 77 are the first 77 bytes.
        if Self.bytesAreCharacters(text) {
            return text.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0.prefix(77)), as: UTF8.self) } + "..."
        }
        // More than 80 Characters, counted no further than the 81st.
        return !text.dropFirst(80).isEmpty ? String(text.prefix(77)) + "..." : text
    }

    /// True when each of the first 81 bytes of `text` (of more than 80) is one Character: the
    /// first 82 bytes (or all) are ASCII and none is a carriage return. Only CR LF joins two
    /// ASCII bytes into one Character, and only a non-ASCII scalar can extend one; a job's
    /// command line is nearly always such text, and Characters are slow to count.
    private static func bytesAreCharacters(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in !bytes.prefix(82).contains { $0 >= 0x80 || $0 == 0x0D } }
    }
}
