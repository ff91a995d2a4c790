import Base
import Agent
import Policy
import ProcFS
import Testing

/// The daemon's change detection on the pilot3 fixture tree (one pilot, one job of
/// four payload processes), with snapshots edited between cycles.
@Suite struct ProcessTrackerTests {
    static let payloads: Set<Int32> = [25625, 25628, 25629, 25630]

    static func started(_ events: [TrackerEvent]) -> [TrackedProcess] {
        events.compactMap { if case .processStarted(let process, _) = $0 { return process } else { return nil } }
    }

    static func exited(_ events: [TrackerEvent]) -> [TrackedProcess] {
        events.compactMap { if case .processExited(let process) = $0 { return process } else { return nil } }
    }

    static func changes(_ events: [TrackerEvent]) -> [VerdictChange] {
        events.compactMap { if case .verdictChanged(let change) = $0 { return change } else { return nil } }
    }

    @Test("first audit: the pilot and every payload process once, with attribution; the job and all its verdicts")
    func firstSight() throws {
        let policy = try AgentFixtures.policy()
        var tracker = ProcessTracker()
        let events = tracker.update(with: AgentFixtures.audit(try AgentFixtures.snapshot(), at: 0, policy: policy))
        let started = Self.started(events)
        #expect(Set(started.filter { $0.role == .payload }.map(\.identity.pid)) == Self.payloads)
        #expect(started.filter { $0.role == .pilot }.map(\.identity.pid) == [25588])
        // pilot-wrapper.sh is not a runpilot*-wrapper: the fixture's pilot has no wrapper.
        #expect(started.filter { $0.role == .pilotWrapper }.isEmpty)
        let payload = try #require(started.first { $0.identity.pid == 25629 })
        #expect(payload.pandaID == "6402753124")
        #expect(payload.pilot?.pid == 25588)
        #expect(payload.firstSeen == payload.lastSeen)
        #expect(events.contains { if case .jobStarted(let job) = $0 { return job.key.pandaID == "6402753124" && !job.isolated } else { return false } })
        // The job's payload root, and only it, is marked as one (its session is the job's own).
        let roots = events.compactMap { if case .jobStarted(let job) = $0 { return job.rootPID } else { return nil } }
        #expect(!roots.isEmpty && started.filter(\.isJobRoot).map(\.identity.pid) == roots)
        let changes = Self.changes(events)
        #expect(changes.allSatisfy { $0.previous == nil })
        #expect(changes.filter { $0.job != nil }.count == policy.rules.filter { !$0.check.isNodeCheck }.count)
        #expect(changes.contains { $0.job == nil && $0.finding.rule == "NODE-PTRACE" })
    }

    @Test("same audit again: nothing to record; the process stays known from its first sight")
    func unchangedIsSilent() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        _ = tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: policy))
        let events = tracker.update(with: AgentFixtures.audit(snapshot, at: 30, policy: policy))
        #expect(events.isEmpty, "\(events)")
        let known = try #require(tracker.processes.values.first { $0.identity.pid == 25629 })
        // last_seen is filled in when it exits (exitAndForget): the cycle before the one it was gone in.
        #expect(known.firstSeen == UTCTime(millisecondsSinceEpoch: 1_795_000_000_000))
    }

    @Test("a payload process gone: one exit with the last time seen; then forgotten")
    func exitAndForget() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        _ = tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: policy))
        _ = tracker.update(with: AgentFixtures.audit(snapshot, at: 30, policy: policy))
        var without = snapshot
        without.processes.removeAll { $0.pid == 25630 }
        let events = tracker.update(with: AgentFixtures.audit(without, at: 60, policy: policy))
        let exited = Self.exited(events)
        #expect(exited.map(\.identity.pid) == [25630])
        #expect(exited.first?.lastSeen == UTCTime(millisecondsSinceEpoch: 1_795_000_000_000 + 30_000))
        #expect(tracker.processes[try #require(exited.first).identity] == nil)
        #expect(tracker.update(with: AgentFixtures.audit(without, at: 90, policy: policy)).isEmpty)
    }

    @Test("what an update hands to the event attribution: the processes it found ended, as recorded; its sample's identities")
    func endedAndSampled() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        _ = tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: policy))
        #expect(tracker.ended.isEmpty)
        #expect(tracker.sampled == Set(snapshot.processes.map(\.identity)))
        let before = tracker.processes
        var without = snapshot
        without.processes.removeAll { $0.pid == 25630 }
        let events = tracker.update(with: AgentFixtures.audit(without, at: 30, policy: policy))
        let gone = try #require(Self.exited(events).first)
        // The exit event has its last time seen filled in; `ended` holds the process as recorded.
        #expect(tracker.ended.count == 1 && tracker.ended[gone.identity]?.lastSeen == before[gone.identity]?.lastSeen)
        #expect(tracker.ended[gone.identity]?.pandaID == "6402753124" && tracker.ended[gone.identity]?.role == .payload)
        #expect(tracker.sampled == Set(without.processes.map(\.identity)) && !tracker.sampled.contains(gone.identity))
        // Together they are every process the update before held.
        #expect(Set(tracker.processes.keys).union(tracker.ended.keys) == Set(before.keys))
        _ = tracker.update(with: AgentFixtures.audit(without, at: 60, policy: policy))
        #expect(tracker.ended.isEmpty, "only the last update's")
    }

    @Test("a process seen in one cycle only is recorded once, then exits")
    func shortLived() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var without = snapshot
        without.processes.removeAll { $0.pid == 25630 }
        var tracker = ProcessTracker()
        _ = tracker.update(with: AgentFixtures.audit(without, at: 0, policy: policy))
        let appear = tracker.update(with: AgentFixtures.audit(snapshot, at: 30, policy: policy))
        #expect(Self.started(appear).map(\.identity.pid) == [25630])
        let gone = tracker.update(with: AgentFixtures.audit(without, at: 60, policy: policy))
        #expect(Self.exited(gone).map(\.identity.pid) == [25630])
    }

    @Test("a reused PID is an exit and a start")
    func pidReuse() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        _ = tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: policy))
        var reused = snapshot
        let index = try #require(reused.processes.firstIndex { $0.pid == 25630 })
        reused.processes[index].identity.startTicks += 1000
        let events = tracker.update(with: AgentFixtures.audit(reused, at: 30, policy: policy))
        #expect(Self.exited(events).map(\.identity.startTicks) == [snapshot.processes[index].identity.startTicks])
        #expect(Self.started(events).map(\.identity.startTicks) == [snapshot.processes[index].identity.startTicks + 1000])
    }

    @Test("a verdict that changes gives one change with the old status, and back")
    func verdictChange() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        _ = tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: policy))
        var privileged = snapshot
        let index = try #require(privileged.processes.firstIndex { $0.pid == 25629 })
        privileged.processes[index].status?.capabilities.effective = 1 << 21  // CAP_SYS_ADMIN
        let toFail = Self.changes(tracker.update(with: AgentFixtures.audit(privileged, at: 30, policy: policy)))
        #expect(toFail.map(\.finding.rule) == ["PRIV-CAPS"])
        #expect(toFail.first?.previous == .pass && toFail.first?.finding.status == .fail)
        #expect(toFail.first?.job?.pandaID == "6402753124")
        let back = Self.changes(tracker.update(with: AgentFixtures.audit(snapshot, at: 60, policy: policy)))
        #expect(back.map(\.finding.rule) == ["PRIV-CAPS"] && back.first?.previous == .fail && back.first?.finding.status == .pass)
    }

    @Test("the job ends when its processes are gone: job end, exits, verdicts forgotten")
    func jobEnd() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        _ = tracker.update(with: AgentFixtures.audit(snapshot, at: 0, policy: policy))
        var ended = snapshot
        ended.processes.removeAll { Self.payloads.contains($0.pid) }
        let events = tracker.update(with: AgentFixtures.audit(ended, at: 30, policy: policy))
        #expect(Set(Self.exited(events).map(\.identity.pid)) == Self.payloads)
        #expect(events.contains { if case .jobEnded(let job) = $0 { return job.key.pandaID == "6402753124" } else { return false } })
        #expect(tracker.jobs.isEmpty)
        // The same job coming back is new again: all its verdicts with no previous status.
        let again = Self.changes(tracker.update(with: AgentFixtures.audit(snapshot, at: 60, policy: policy)))
        #expect(!again.isEmpty && again.allSatisfy { $0.previous == nil && $0.job != nil })
    }

    @Test("memory stays flat: 200 cycles of a process coming and going keep one entry per live process")
    func boundedMemory() throws {
        let policy = try AgentFixtures.policy()
        let snapshot = try AgentFixtures.snapshot()
        var tracker = ProcessTracker()
        for cycle in 0..<200 {
            var next = snapshot
            let index = next.processes.firstIndex { $0.pid == 25630 }!
            next.processes[index].identity.startTicks += UInt64(cycle)
            _ = tracker.update(with: AgentFixtures.audit(next, at: Int64(cycle), policy: policy))
            #expect(tracker.processes.count == 5)
        }
        #expect(tracker.jobs.count == 1)
    }
}
