import Agent
import Base
import Foundation
import ProcFS
import RecordIndex
import Records

// make bench-eventpath: the daemon's work for each process the event source sees, alone, with no
// kernel, no ring buffer and no other process competing (the live rows of `make bench-events`
// scatter by a tenth from run to run on a shared machine; this does not, and under callgrind its
// instruction counts repeat exactly). Each cycle is an events-only cycle of a payload's loop as
// bench/execrate drives it: PROCESSES children of the job's root, each forked, exec'd
// (/usr/bin/true in the job directory) and reaped by the root, in poll batches of 4,096 events;
// the sample before them tracked NODE processes (the tracker's maps every lookup goes through).
// Per cycle, as the daemon: `EventAttributor.ingest`, `resolveEnded`, the `process` and `exit`
// bodies (`DaemonRecords.eventProcesses`/`eventExits`, a record per 1,000 entries) and their
// append (`RecordAppender`: canonical lines, SHA-256 chain, Ed25519, write, fsync, then the
// index). Prints each part's cost per process. DIR must be new or empty; the records stay there.
//
//   eventpath-bench DIR [--processes N] [--cycles C] [--node M]

func option(_ name: String, _ fallback: Int) -> Int {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard let at = arguments.firstIndex(of: name), at + 1 < arguments.count, let value = Int(arguments[at + 1]), value > 0 else {
        return fallback
    }
    return value
}

guard let directory = CommandLine.arguments.dropFirst().first(where: { !$0.hasPrefix("--") && Int($0) == nil }) else {
    FileHandle.standardError.write(Data("usage: eventpath-bench DIR [--processes N] [--cycles C] [--node M]\n".utf8))
    exit(2)
}
let processes = option("--processes", 30_000)
let cycles = option("--cycles", 3)
let nodeSize = option("--node", 10_000)

// The records go into DIR, which must not exist yet or be empty: nothing of a user's is replaced.
if let present = try? FileManager.default.contentsOfDirectory(atPath: directory), !present.isEmpty {
    FileHandle.standardError.write(Data("eventpath-bench: \(directory) is not empty; give a new or empty directory\n".utf8))
    exit(2)
}
do {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
} catch {
    FileHandle.standardError.write(Data("eventpath-bench: cannot make \(directory): \(error)\n".utf8))
    exit(2)
}

let bootID = "5f3e7818-07e2-431b-892c-3a6b909258ff"
let ticksPerSecond = 100
let clocks = Syscalls.bootAndRealTime()
let node = NodeFacts(hostname: "wn042.example.org", bootID: bootID, machineID: "3d1219c7c4c5404aaa1f6d2a48adfda4",
                     bootTime: UInt64(Syscalls.bootInstantMilliseconds() / 1_000), clockTicksPerSecond: ticksPerSecond)
let recordNode = RecordNode(hostname: node.hostname, bootID: bootID, machineID: node.machineID)
let ticksNanoseconds = UInt64(1_000_000_000 / ticksPerSecond)

/// The sample before the events: the pilot, the job's root (the loop's parent) and the rest of a
/// node of `nodeSize` processes, all started before the events (tick 1 onwards).
let pilotID = ProcessIdentity(bootID: bootID, pid: 100, startTicks: 1)
let rootID = ProcessIdentity(bootID: bootID, pid: 200, startTicks: 2)
let epoch = UTCTime(millisecondsSinceEpoch: clocks.realNanoseconds / 1_000_000 - 600_000)
var tracked: [ProcessIdentity: TrackedProcess] = [
    pilotID: TrackedProcess(identity: pilotID, role: .pilot, pandaID: nil, taskID: nil, pilot: nil, container: nil, startTime: epoch,
                            comm: "python3", uid: 64941, firstSeen: epoch, lastSeen: epoch),
    rootID: TrackedProcess(identity: rootID, role: .payload, pandaID: "4267387837", taskID: "39572281", pilot: pilotID, container: nil,
                           startTime: epoch, comm: "bash", uid: 64942, firstSeen: epoch, lastSeen: epoch, isJobRoot: true),
]
var sampled: Set<ProcessIdentity> = [pilotID, rootID]
for number in 0..<max(nodeSize - 2, 0) {
    let identity = ProcessIdentity(bootID: bootID, pid: Int32(1_000 + number), startTicks: UInt64(3 + number % 5_000))
    sampled.insert(identity)
    tracked[identity] = TrackedProcess(identity: identity, role: .unattributed, pandaID: nil, taskID: nil, pilot: nil, container: nil,
                                       startTime: epoch, comm: "holder", uid: 0, firstSeen: epoch, lastSeen: epoch)
}
var attributor = EventAttributor()
_ = attributor.resolve(alive: tracked, ended: [:], sampled: sampled)

let namespaces = NamespaceSet(inodes: [.cgroup: 4026531835, .ipc: 4026531839, .mnt: 4026531832, .net: 4026531840, .pid: 4026531836,
                                       .pidForChildren: 4026531836, .time: 4026531834, .user: 4026531837, .uts: 4026531838])
let ids: [UInt32] = [64942, 64942, 64942, 64942]
let rootStart = UInt64(2) * ticksNanoseconds

/// A cycle's events: `processes` children of the root, one after the other 0.5 ms apart from
/// `start` nanoseconds after boot, in poll batches of 4,096.
func events(cycle: Int, start: UInt64) -> [[ProcessEvent]] {
    var all: [ProcessEvent] = []
    all.reserveCapacity(processes * 3)
    for number in 0..<processes {
        let pid = Int32(100_000 + (cycle * processes + number) % 3_000_000)
        let forked = start + UInt64(number) * 500_000
        func event(_ kind: ProcessEvent.Kind, at: UInt64, comm: String) -> ProcessEvent {
            ProcessEvent(kind: kind, pid: pid, ppid: 200, sid: 200, startBoottimeNanoseconds: forked, parentStartBoottimeNanoseconds: rootStart,
                         boottimeNanoseconds: at, uids: ids, gids: ids, namespaces: namespaces, cgroupID: 1, comm: comm,
                         filename: kind == .exec ? "/usr/bin/true" : "", cwdName: kind == .exec ? "PanDA_Pilot-4267387837" : "",
                         arguments: kind == .exec ? ["/usr/bin/true"] : [])
        }
        all.append(event(.fork, at: forked, comm: "bash"))
        all.append(event(.exec, at: forked + 150_000, comm: "true"))
        all.append(event(.exit, at: forked + 300_000, comm: "true"))
    }
    return stride(from: 0, to: all.count, by: 4_096).map { Array(all[$0..<min($0 + 4_096, all.count)]) }
}

let appender = RecordAppender(outputDirectory: directory, key: RecordSigningKey(), node: recordNode)
var spent = (ingest: 0.0, resolve: 0.0, bodies: 0.0, append: 0.0, index: 0.0)
var recorded = 0, records = 0
func now() -> Double { Double(Syscalls.monotonicMilliseconds()) }
for cycle in 0..<cycles {
    // Events that ended well before now (the clock the attributor turns boot times into UTC with).
    let start = Syscalls.bootAndRealTime().bootNanoseconds - UInt64(processes) * 500_000 - 1_000_000_000
    let batches = events(cycle: cycle, start: start)
    var began = now()
    attributor.ingest(batches: batches, node: node)
    spent.ingest += now() - began
    began = now()
    let resolution = attributor.resolveEnded(giveUpAbove: 10 * processes)
    spent.resolve += now() - began
    guard resolution.started.count == processes, resolution.exited.count == processes, resolution.escaped.isEmpty else {
        FileHandle.standardError.write(Data("eventpath-bench: cycle \(cycle) recorded \(resolution.started.count) processes and \(resolution.exited.count) exits, \(resolution.escaped.count) escaped; \(processes) of each expected\n".utf8))
        exit(1)
    }
    began = now()
    var bodies: [RecordBody] = []
    for first in stride(from: 0, to: processes, by: 1_000) {
        bodies.append(DaemonRecords.eventProcesses(resolution.started, at: ArraySlice(first..<min(first + 1_000, processes))))
    }
    for first in stride(from: 0, to: processes, by: 1_000) {
        bodies.append(DaemonRecords.eventExits(resolution.exited, at: ArraySlice(first..<min(first + 1_000, processes))))
    }
    spent.bodies += now() - began
    began = now()
    var durableAt = began
    let outcome = try appender.append(bodies, durable: { durableAt = now() })
    spent.append += durableAt - began
    spent.index += now() - durableAt
    guard case .success? = outcome.index else {
        FileHandle.standardError.write(Data("eventpath-bench: the index update failed: \(String(describing: outcome.index))\n".utf8))
        exit(1)
    }
    recorded += resolution.started.count
    records += bodies.count
}

let perProcess = { (milliseconds: Double) in String(format: "%6.2f", milliseconds * 1_000 / Double(recorded)) }
let total = spent.ingest + spent.resolve + spent.bodies + spent.append + spent.index
print("eventpath-bench: \(cycles) events-only cycles of \(processes) processes (fork, exec, exit: \(recorded * 3) events), node of \(nodeSize) sampled processes; \(records) records")
print("  µs per process: ingest \(perProcess(spent.ingest)), attribute \(perProcess(spent.resolve)), build records \(perProcess(spent.bodies)), "
      + "sign+append+fsync \(perProcess(spent.append)), index \(perProcess(spent.index)); total \(perProcess(total))")
print(String(format: "  at 2,000 processes/s that is %.2f %% of one core", total * 1_000 / Double(recorded) * 2_000 / 1e6 * 100))
