import Jobs
import ProcFS
import Testing

/// `ClassificationInput.updatedGraph` where the graph simply holds: whenever it says so, the graph
/// (with the current samples) is exactly what classifying the current processes gives; and it
/// says so for what happens on every node all the time (kernel threads and unrelated processes
/// coming and going), not for what changes the pilots or claims a job. (`UpdatedGraphTests`:
/// what happens inside jobs.)
struct GraphReuseTests {
    static let patterns = PilotPatterns.default

    /// Checks the verdict, and that a "holds" is never wrong.
    static func check(_ previous: [ProcessSample], _ current: [ProcessSample], holds expected: Bool,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let graph = JobClassifier(patterns: patterns).classify(previous)
        let updated = ClassificationInput.updatedGraph(graph, from: previous, for: current, patterns: patterns)
        #expect((updated != nil) == expected, sourceLocation: sourceLocation)
        if let updated {
            #expect(updated == JobClassifier(patterns: patterns).classify(current), sourceLocation: sourceLocation)
            #expect(updated == JobClassifier(patterns: patterns).classify(current, earlier: graph), sourceLocation: sourceLocation)
        }
    }

    static func tree() -> SampleBuilder { JobClassifierTests.pilot3Tree() }

    @Test func theSameProcessesHold() {
        let processes = Self.tree().processes
        Self.check(processes, processes, holds: true)
    }

    @Test func unrelatedProcessesComingAndGoingHold() {
        let before = Self.tree()
        var after = before
        after.add(30000, parent: 1, argv: ["/usr/sbin/cron", "-f"], uid: 0)
        after.add(30001, parent: 30000, argv: ["/bin/sh", "-c", "logrotate"], uid: 0)
        Self.check(before.processes, after.processes, holds: true)
        Self.check(after.processes, before.processes, holds: true)
    }

    @Test func kernelThreadsHold() {
        let before = Self.tree()
        var after = before
        let kworker = after.add(30010, parent: 2, argv: [], comm: "kworker/0:1")
        after.processes[after.processes.count - 1].stat.flags = 0x0020_0000
        #expect(kworker.pid == 30010)
        Self.check(before.processes, after.processes, holds: true)
    }

    /// Under a pilot: classified afresh. Under a job: followed (`UpdatedGraphTests`).
    @Test func aNewProcessUnderThePilotDoesNotHoldUnderAJobIsFollowed() {
        let before = Self.tree()
        var underPilot = before
        underPilot.add(30020, parent: 25588, argv: ["/usr/bin/lscpu"])
        Self.check(before.processes, underPilot.processes, holds: false)
        var underJob = before
        underJob.add(30021, parent: 25630, sid: 25625, argv: ["/usr/bin/python3", "work.py"])
        Self.check(before.processes, underJob.processes, holds: true)
    }

    @Test func newPilotsAndClaimantsDoNotHold() {
        let before = Self.tree()
        var pilot = before
        pilot.add(30030, parent: 1, argv: JobClassifierTests.pilotArgv)
        Self.check(before.processes, pilot.processes, holds: false)
        var claimant = before
        claimant.add(30031, parent: 1, argv: ["/bin/sleep", "600"], env: ["PANDAID": "1234567890"])
        Self.check(before.processes, claimant.processes, holds: false)
        var inJobDirectory = before
        inJobDirectory.add(30032, parent: 1, argv: ["/bin/sleep", "600"], cwd: "/scratch/PanDA_Pilot-1234567890")
        Self.check(before.processes, inJobDirectory.processes, holds: false)
    }

    /// A job's process that went is followed; one reparented to the pilot or a helper that went is not.
    @Test func aGraphProcessGoneOrChangedDoesNotHoldButInAJob() {
        let before = Self.tree()
        var gone = before
        gone.processes.removeAll { $0.pid == 25629 }
        Self.check(before.processes, gone.processes, holds: true)
        var reparented = before
        let index = reparented.processes.firstIndex { $0.pid == 25630 }!
        reparented.processes[index].stat.ppid = 25588
        Self.check(before.processes, reparented.processes, holds: false)
        var helperGone = before
        helperGone.processes.removeAll { $0.pid == 25700 }
        Self.check(before.processes, helperGone.processes, holds: false)
    }

    @Test func anUnrelatedProcessAdoptedByThePilotDoesNotHold() {
        var before = Self.tree()
        before.add(30040, parent: 1, argv: ["/bin/sleep", "60"])
        var after = before
        let index = after.processes.firstIndex { $0.pid == 30040 }!
        after.processes[index].stat.ppid = 25588
        Self.check(before.processes, after.processes, holds: false)
    }
}
