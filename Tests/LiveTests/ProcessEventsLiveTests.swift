import Base
import Foundation
import ProcFS
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The BPF process event source on this machine, or why it cannot be loaded (the test is then
/// skipped with the reason).
enum EventsLive {
    static func requireSource(ringBytes: Int = ProcessEventSource.defaultRingBytes) throws -> ProcessEventSource {
        do {
            return try ProcessEventSource.open(ringBytes: ringBytes)
        } catch {
            try Test.cancel("BPF process event source not usable here: \(error.reason)")
        }
    }

    /// Every entry of the `processes` arrays of the records of `type` ("process" or "exit"), with
    /// its record's `shared` members (`DaemonRun.entries`); those
    /// the events saw (`seen_by: event`) with `onlyEvents`, else sampled processes too, which are in
    /// such arrays as well (`seen_by: sample`).
    static func eventEntries(_ records: [[String: Any]], type: String = "process", onlyEvents: Bool = false) -> [[String: Any]] {
        records.filter { $0["type"] as? String == type }.flatMap(DaemonRun.entries)
            .filter { !onlyEvents || $0["seen_by"] as? String == "event" }
    }

    /// Events lost so far (ring buffer, daemon buffer, unattributable), as the latest heartbeat counts them.
    static func lost(_ records: [[String: Any]]) -> Int {
        heartbeats(records).compactMap { ($0["process_events"] as? [String: Any])?["lost"] as? [String: Any] }.map { lost in
            ["ring_buffer", "daemon_buffer", "unattributable"].reduce(0) { $0 + (lost[$1] as? Int ?? 0) }
        }.max() ?? 0
    }

    static func heartbeats(_ records: [[String: Any]]) -> [[String: Any]] {
        records.filter { $0["type"] as? String == "heartbeat" }.compactMap { $0["heartbeat"] as? [String: Any] }
    }

    /// Polls the records (every 250 ms, up to `seconds`: the first cycle on a node other tests
    /// crowd with thousands of processes takes long) until `condition` gives a value.
    static func wait<T>(_ run: DaemonRun, _ daemon: ChildProcess, seconds: Int = 900, _ condition: ([[String: Any]]) -> T?) -> T? {
        for _ in 0..<(seconds * 4) {
            if let value = condition((try? run.records()) ?? []) { return value }
            if daemon.hasExited { return condition((try? run.records()) ?? []) }
            usleep(250_000)
        }
        return nil
    }

    /// Waits until the daemon finished a cycle after `date` (its `started:` line, then a record newer than it).
    static func waitForStart(_ daemon: ChildProcess) -> Bool {
        daemon.waitFor(attempts: 30_000) { daemon.stderrText.contains("] started: pid") ? true : (daemon.hasExited ? false : nil) } == true
    }
}

extension Live {
    /// Fork, exec and exit from the kernel's tracepoints: the reader, then the daemon attributing
    /// what lived between two samples to its PanDA job by ancestry (simulated pilot, leaky set-up:
    /// PanDA ID 9100000002).
    @Suite(.serialized)
    struct ProcessEventsLiveTests {
        @Test("the event source sees a real process's fork, exec (filename, redacted argv, cwd) and exit code")
        func readerSeesExecAndExit() throws {
            let source = try EventsLive.requireSource()
            let marker = "isotrace-event-\(getpid())"
            let directory = try TestDirectory("isotrace-event-cwd")
            defer { directory.remove() }
            let child = try ChildProcess(["/bin/sh", "-c", "exec /bin/sh -c 'exit 3' \(marker) --token=hunter2"], directory: directory.path)
            defer { child.stop() }
            var exec: ProcessEvent?, exit: ProcessEvent?, fork: ProcessEvent?
            for _ in 0..<100 where exit == nil {
                try source.poll(milliseconds: 100) { event in
                    if event.pid == child.pid && event.kind == .fork { fork = event }
                    if event.pid == child.pid && event.kind == .exec && event.arguments.contains(marker) { exec = event }
                    if event.pid == child.pid && event.kind == .exit { exit = event }
                }
            }
            #expect(fork?.ppid == getpid(), "the fork of \(child.pid) by this process was not seen")
            let seen = try #require(exec, "no exec of \(child.pid) with \(marker)")
            #expect(seen.filename == "/bin/sh")
            #expect(seen.arguments.first == "/bin/sh" && seen.arguments.contains("exit 3"), "\(seen.arguments)")
            #expect(!seen.arguments.joined().contains("hunter2"), "argv not redacted: \(seen.arguments)")
            #expect(seen.cwdName == String(directory.path.split(separator: "/").last ?? ""))
            #expect(seen.uids == [0, 0, 0, 0])
            #expect(seen.namespaces[.pid] != nil && seen.namespaces[.mnt] != nil)
            let ended = try #require(exit, "no exit of \(child.pid)")
            #expect(ended.exitStatus >> 8 == 3, "wait status \(ended.exitStatus)")
            #expect(ended.startBoottimeNanoseconds == seen.startBoottimeNanoseconds, "one process, one start time")
            #expect(source.lostEvents() == 0)
        }

        @Test("1,000 /bin/true in a payload's loop: 1,000 exec records with its PanDA ID (seen_by: event), and query --pid --at answers for one")
        func thousandExecs() throws {
            _ = try EventsLive.requireSource(ringBytes: 4096)
            let run = try DaemonRun()
            defer { run.remove() }
            let daemon = try run.start(["--heartbeat-every", "1"])
            defer { daemon.stop() }
            try #require(EventsLive.waitForStart(daemon), "\(daemon.stderrText)")
            let simulation = try LiveSimulation("leaky", payloadCommand: "sleep 3; for i in $(seq 1000); do /bin/true; done; sleep 900", hold: 900)
            defer { simulation.stop() }
            let job = try simulation.job("leaky")
            // Each /bin/true is recorded once: by the events (seen_by: event) or, if a sample
            // happened to catch it alive, by the sampler (seen_by: sample). A sample that caught
            // one exiting has its comm but no exe (the link is gone by then).
            func isThisJobsTrue(_ process: [String: Any]) -> Bool {
                process["panda_id"] as? String == job.pandaID && (process["pilot"] as? [String: Any])?["pid"] as? Int == job.pilotPID
                    && (process["exe"] as? String == "/bin/true" || process["exe"] as? String == "/usr/bin/true"
                        || ((process["exe"] == nil || process["exe"] is NSNull) && process["comm"] as? String == "true"))
            }
            // A cycle between a child's fork and its exec leaves a process entry of the shell's
            // fork (comm bash, no exe): by the events, or by a sample that caught it there; its
            // event exit entry then carries the life again, exec included.
            func eventTrues(_ records: [[String: Any]]) -> [[String: Any]] {
                var byIdentity: [String: [String: Any]] = [:]
                let lives = EventsLive.eventEntries(records, onlyEvents: true)
                    + EventsLive.eventEntries(records, type: "exit", onlyEvents: true).filter { $0["exec_count"] != nil }
                for entry in lives.filter(isThisJobsTrue) {
                    byIdentity["\(entry["pid"] as? Int ?? -1)/\(entry["start_ticks"] as? Int ?? -1)"] = byIdentity[
                        "\(entry["pid"] as? Int ?? -1)/\(entry["start_ticks"] as? Int ?? -1)"] ?? entry
                }
                return Array(byIdentity.values)
            }
            // Other tests' load on this machine may overrun the ring buffer: such a loss is
            // counted in the heartbeat (never silent), and accepted here once it accounts for
            // every /bin/true not recorded and nothing more has come for 10 s; every exec it
            // does not account for must be recorded.
            var lastTotal = -1, unchangedPolls = 0
            let trues = EventsLive.wait(run, daemon) { records -> (events: [[String: Any]], sampled: [[String: Any]], lost: Int)? in
                let events = eventTrues(records)
                let sampled = DaemonRun.sampledProcesses(records).filter(isThisJobsTrue)
                let total = events.count + sampled.count
                if total >= 1000 { return (events, sampled, 0) }
                let lost = EventsLive.lost(records)
                guard lost > 0, total + lost >= 1000 else { return nil }
                if total == lastTotal { unchangedPolls += 1 } else { (lastTotal, unchangedPolls) = (total, 0) }
                return unchangedPolls >= 40 ? (events, sampled, lost) : nil
            }
            let found = try #require(trues, "fewer than 1,000 /bin/true records and no loss counted for the rest: \(daemon.stderrText.suffix(2000))")
            let entries = found.events
            if found.lost > 0 { print("1,000 /bin/true: \(1000 - entries.count - found.sampled.count) not recorded, \(found.lost) event(s) lost on the node and counted") }
            #expect(entries.count + found.sampled.count + found.lost >= 1000 && entries.count + found.sampled.count <= 1000,
                    "\(entries.count) seen by events, \(found.sampled.count) by samples, \(found.lost) events lost and counted")
            #expect(entries.count + found.lost >= 990, "the events saw \(entries.count)")
            #expect(entries.allSatisfy { $0["seen_by"] as? String == "event" && $0["role"] as? String == "payload" })
            #expect(found.sampled.allSatisfy { $0["seen_by"] as? String == "sample" })
            let identities = Set((entries + found.sampled).compactMap { entry in (entry["pid"] as? Int).map { "\($0)/\(entry["start_ticks"] as? Int ?? -1)" } })
            #expect(identities.count == entries.count + found.sampled.count, "different processes")
            let exits = EventsLive.eventEntries(try run.records(), type: "exit", onlyEvents: true).filter { $0["comm"] as? String == "true" && $0["panda_id"] as? String == job.pandaID }
            #expect(exits.count <= entries.count && exits.count + found.lost >= entries.count, "exit entries: \(exits.count)")
            #expect(exits.allSatisfy { $0["exit_code"] as? Int == 0 })
            // Many per record: far fewer records than processes.
            let batches = try run.records().filter { !EventsLive.eventEntries([$0], type: $0["type"] as? String ?? "", onlyEvents: true).isEmpty }
            #expect(batches.count < 200, "\(batches.count) records for 1,000 processes")
            #expect(batches.allSatisfy { ($0["processes"] as? [Any])?.count ?? 0 <= 1000 })

            let one = entries[500]
            let pid = try #require(one["pid"] as? Int)
            let at = try #require(one["first_seen"] as? String)
            daemon.signal(SIGTERM)
            _ = daemon.wait(timeout: 60)
            let answer = try IsotraceBinary.run("query", "--out", run.directory, "--pid", String(pid), "--at", at, "--format", "json")
            #expect(answer.status == 0, "\(answer.description)")
            #expect(answer.stdout.contains(job.pandaID), "query --pid \(pid) --at \(at) does not name job \(job.pandaID): \(answer.stdout.prefix(2000))")
            let verify = try IsotraceBinary.run("verify", "--out", run.directory)
            #expect(verify.status == 0, "\(verify.description)")
        }

        @Test("`sleep 2; id -u` in a job with a 30 s interval: both recorded with the job")
        func shortLivedBetweenSamples() throws {
            _ = try EventsLive.requireSource(ringBytes: 4096)
            let run = try DaemonRun()
            defer { run.remove() }
            let daemon = try run.start(["--interval", "30s", "--heartbeat-every", "1"])
            defer { daemon.stop() }
            try #require(EventsLive.waitForStart(daemon), "\(daemon.stderrText)")
            _ = EventsLive.wait(run, daemon) { records in records.contains { $0["type"] as? String == "audit" } ? true : nil }
            let simulation = try LiveSimulation("leaky", payloadCommand: "sleep 2; id -u; sleep 900", hold: 900)
            defer { simulation.stop() }
            let job = try simulation.job("leaky")
            // Both are over long before the next sample; a cycle now (SIGUSR1) samples after them.
            usleep(5_000_000)
            daemon.signal(SIGUSR1)
            let found = EventsLive.wait(run, daemon) { records -> ([String: Any], [String: Any])? in
                // Other suites' simulations may run the same PanDA ID: this job's pilot tells them apart.
                let entries = EventsLive.eventEntries(records).filter {
                    $0["panda_id"] as? String == job.pandaID && ($0["pilot"] as? [String: Any])?["pid"] as? Int == job.pilotPID
                }
                guard let sleep = entries.first(where: { ($0["cmdline"] as? [String]) == ["sleep", "2"] }),
                      let id = entries.first(where: { ($0["cmdline"] as? [String]) == ["id", "-u"] }) else { return nil }
                return (sleep, id)
            }
            let (sleep, id) = try #require(found, "sleep 2 and id -u not recorded with job \(job.pandaID): \(daemon.stderrText.suffix(2000))")
            #expect(sleep["seen_by"] as? String == "event" && id["seen_by"] as? String == "event")
            #expect(id["role"] as? String == "payload" && (id["pilot"] as? [String: Any])?["pid"] as? Int == job.pilotPID)
            // The leaky set-up runs its payload as the pilot's uid.
            #expect(id["uid"] as? Int == job.pilotUID, "\(id)")
            // Like sampled processes, each has an exit entry too (in an `exit` record), with its status.
            for process in [sleep, id] {
                let exit = EventsLive.eventEntries(try run.records(), type: "exit").first {
                    $0["pid"] as? Int == process["pid"] as? Int && $0["start_ticks"] as? Int == process["start_ticks"] as? Int
                }
                #expect(exit?["exit_code"] as? Int == 0 && exit?["panda_id"] as? String == job.pandaID, "\(process["cmdline"] ?? ""): \(exit ?? [:])")
            }
        }

        @Test("--event-flush: between two samples (--interval 1h), a payload's /bin/true are recorded by events-only cycles; a sample records the rest")
        func eventsOnlyCycles() throws {
            _ = try EventsLive.requireSource(ringBytes: 4096)
            let run = try DaemonRun()
            defer { run.remove() }
            let daemon = try run.start(["--interval", "1h", "--heartbeat-every", "1", "--event-flush", "200", "--verbose"])
            defer { daemon.stop() }
            try #require(EventsLive.waitForStart(daemon), "\(daemon.stderrText)")
            _ = EventsLive.wait(run, daemon) { records in EventsLive.heartbeats(records).count >= 1 ? true : nil }
            let simulation = try LiveSimulation("leaky", payloadCommand: "sleep 8; for i in $(seq 300); do /bin/true; done; sleep 900", hold: 900)
            defer { simulation.stop() }
            let job = try simulation.job("leaky")
            // One sample while the payload sleeps: from then on its job is known.
            daemon.signal(SIGUSR1)
            let sampled = EventsLive.wait(run, daemon) { records in EventsLive.heartbeats(records).count >= 2 ? true : nil }
            try #require(sampled == true, "no second cycle: \(daemon.stderrText.suffix(2000))")
            func trues(_ records: [[String: Any]]) -> [[String: Any]] {
                EventsLive.eventEntries(records).filter {
                    $0["panda_id"] as? String == job.pandaID && ($0["pilot"] as? [String: Any])?["pid"] as? Int == job.pilotPID
                        && ($0["exe"] as? String)?.hasSuffix("/true") == true
                }
            }
            // No sample comes for an hour: what is recorded now, the events-only cycles recorded.
            let early = EventsLive.wait(run, daemon, seconds: 300) { records -> [[String: Any]]? in
                let found = trues(records)
                return found.count >= 200 ? found : nil
            }
            let between = try #require(early, "fewer than 200 /bin/true recorded between samples: \(daemon.stderrText.suffix(2000))")
            let records = try run.records()
            #expect(EventsLive.heartbeats(records).count == 2, "no other full cycle (each writes a heartbeat)")
            #expect(between.allSatisfy { $0["seen_by"] as? String == "event" && $0["role"] as? String == "payload" })
            // The cycle logs its line after its records are appended (and seen above).
            for _ in 0..<50 where !daemon.stderrText.contains("event cycle") { usleep(100_000) }
            #expect(daemon.stderrText.contains("event cycle"), "\(daemon.stderrText.suffix(2000))")
            // What was left below the threshold is recorded by the next sample's cycle.
            usleep(2_000_000)
            daemon.signal(SIGUSR1)
            let all = EventsLive.wait(run, daemon, seconds: 300) { records -> Int? in
                let found = trues(records).count
                return found + EventsLive.lost(records) >= 300 ? found : nil
            }
            #expect(all != nil, "\(daemon.stderrText.suffix(2000))")
            // That cycle came after events-only cycles: it keeps the heap it freed for the next
            // batch. The first cycle (the whole node parsed) always gives it back.
            func cycleLine(_ number: Int) -> String {
                let line = daemon.waitFor(attempts: 3_000) { daemon.stderrText.split(separator: "\n").first { $0.contains("] cycle \(number):") } }
                return line.map(String.init) ?? "no cycle \(number) line: \(daemon.stderrText.suffix(2000))"
            }
            #expect(cycleLine(3).hasSuffix("freed heap kept (process events)"), "\(cycleLine(3))")
            #expect(cycleLine(1).hasSuffix("freed heap given back"), "\(cycleLine(1))")
            let one = between[between.count / 2]
            let pid = try #require(one["pid"] as? Int), at = try #require(one["first_seen"] as? String)
            daemon.signal(SIGTERM)
            _ = daemon.wait(timeout: 60)
            let answer = try IsotraceBinary.run("query", "--out", run.directory, "--pid", String(pid), "--at", at, "--format", "json")
            #expect(answer.status == 0 && answer.stdout.contains(job.pandaID), "\(answer.description)")
            let verify = try IsotraceBinary.run("verify", "--out", run.directory)
            #expect(verify.status == 0, "\(verify.description)")
        }

        @Test("SIGUSR2: an events-only cycle now: a payload's ended /bin/true wait for its job's first sample (isotrace_process_events_waiting), then are recorded without one (no heartbeat more)")
        func eventsOnlyCycleOnSignal() throws {
            _ = try EventsLive.requireSource(ringBytes: 4096)
            let run = try DaemonRun()
            defer { run.remove() }
            let metrics = run.directory + "/metrics.prom"
            let daemon = try run.start(["--interval", "1h", "--heartbeat-every", "1", "--metrics", metrics, "--verbose"])
            defer { daemon.stop() }
            try #require(EventsLive.waitForStart(daemon), "\(daemon.stderrText)")
            _ = EventsLive.wait(run, daemon) { records in EventsLive.heartbeats(records).count >= 1 ? true : nil }
            func metric(_ name: String) -> Int? {
                let text = (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? ""
                return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
            }
            let simulation = try LiveSimulation("leaky", payloadCommand: "for i in $(seq 20); do /bin/true; done; sleep 6; for i in $(seq 50); do /bin/true; done; sleep 900", hold: 900)
            defer { simulation.stop() }
            let job = try simulation.job("leaky")
            func trues(_ records: [[String: Any]]) -> [[String: Any]] {
                EventsLive.eventEntries(records).filter {
                    $0["panda_id"] as? String == job.pandaID && ($0["pilot"] as? [String: Any])?["pid"] as? Int == job.pilotPID
                        && ($0["exe"] as? String)?.hasSuffix("/true") == true
                }
            }
            // The first 20 ended before any sample of their job: an events-only cycle cannot decide them.
            usleep(1_500_000)
            daemon.signal(SIGUSR2)
            let waited = daemon.waitFor(attempts: 6_000) { (metric("isotrace_event_cycles_total") ?? 0) >= 1 ? true : nil }
            try #require(waited == true, "no events-only cycle: \(daemon.stderrText.suffix(2000))")
            #expect((metric("isotrace_process_events_waiting") ?? 0) >= 20, "\(daemon.stderrText.suffix(2000))")
            #expect(trues(try run.records()).isEmpty)
            // A sample (the payload sleeps) decides them: from then on its job is known.
            daemon.signal(SIGUSR1)
            let sampled = EventsLive.wait(run, daemon) { records in trues(records).count >= 20 && EventsLive.heartbeats(records).count >= 2 ? true : nil }
            try #require(sampled == true, "not recorded by the sample: \(daemon.stderrText.suffix(2000))")
            #expect(metric("isotrace_process_events_waiting") == 0)
            // Far below --event-flush's 100,000 events and an hour before the next sample: only
            // SIGUSR2 records the next 50. Sent again until all are (the loop may still run at the first).
            usleep(6_000_000)
            var recorded: [[String: Any]] = []
            for _ in 0..<30 where recorded.count < 70 {
                daemon.signal(SIGUSR2)
                let all = EventsLive.wait(run, daemon, seconds: 2) { records -> [[String: Any]]? in
                    let found = trues(records)
                    return found.count >= 70 ? found : nil
                }
                recorded = try all ?? trues(run.records())
            }
            #expect(recorded.count == 70, "\(recorded.count) of 70 /bin/true recorded: \(daemon.stderrText.suffix(2000))")
            #expect(recorded.allSatisfy { $0["seen_by"] as? String == "event" })
            #expect(EventsLive.heartbeats(try run.records()).count == 2, "a full cycle ran: \(daemon.stderrText.suffix(2000))")
            #expect(daemon.stderrText.contains("SIGUSR2: events-only cycle now"))
            #expect((metric("isotrace_event_cycles_total") ?? 0) >= 2)
            daemon.signal(SIGTERM)
            let stopped = daemon.wait(timeout: 60)
            #expect(stopped.status == 0, "\(stopped.description)")
            let verify = try IsotraceBinary.run("verify", "--out", run.directory)
            #expect(verify.status == 0, "\(verify.description)")
        }

        @Test("events-only cycles back to back (--event-flush 1, a payload exec'ing without pause): SIGTERM is still taken, the final heartbeat written, exit 0")
        func sigtermBetweenEventCycles() throws {
            _ = try EventsLive.requireSource(ringBytes: 4096)
            let run = try DaemonRun()
            defer { run.remove() }
            let daemon = try run.start(["--interval", "1h", "--heartbeat-every", "1", "--event-flush", "1", "--verbose"])
            defer { daemon.stop() }
            try #require(EventsLive.waitForStart(daemon), "\(daemon.stderrText)")
            let simulation = try LiveSimulation("leaky", payloadCommand: "while :; do /bin/true; done", hold: 900)
            defer { simulation.stop() }
            _ = try simulation.job("leaky")
            // The job is sampled, so the events-only cycles record its processes, one after the other.
            daemon.signal(SIGUSR1)
            let busy = daemon.waitFor(attempts: 30_000) {
                daemon.stderrText.components(separatedBy: "event cycle").count > 20 ? true : (daemon.hasExited ? false : nil)
            }
            try #require(busy == true, "no run of events-only cycles: \(daemon.stderrText.suffix(2000))")
            daemon.signal(SIGTERM)
            let stopped = daemon.wait(timeout: 60)
            #expect(!stopped.timedOut && stopped.status == 0, "\(stopped.stderr.suffix(2000))")
            #expect(stopped.stderr.contains("SIGTERM: writing the final heartbeat"))
            let final = EventsLive.heartbeats(try run.records()).last
            #expect(final?["final"] as? Bool == true, "\(final ?? [:])")
            let verify = try IsotraceBinary.run("verify", "--out", run.directory)
            #expect(verify.status == 0, "\(verify.description)")
        }

        @Test("a payload child that double-forks to init and exits within one interval: recorded, and TRACE-ATTR fail \"escaped\"")
        func doubleForkEscapes() throws {
            _ = try EventsLive.requireSource(ringBytes: 4096)
            let run = try DaemonRun()
            defer { run.remove() }
            let daemon = try run.start(["--interval", "30s"])
            defer { daemon.stop() }
            try #require(EventsLive.waitForStart(daemon), "\(daemon.stderrText)")
            _ = EventsLive.wait(run, daemon) { records in records.contains { $0["type"] as? String == "audit" } ? true : nil }
            let simulation = try LiveSimulation("leaky", payloadCommand: "sleep 2; (sleep 1.5 &); sleep 900", hold: 900)
            defer { simulation.stop() }
            let job = try simulation.job("leaky")
            usleep(6_000_000)
            daemon.signal(SIGUSR1)
            let escaped = EventsLive.wait(run, daemon) { records -> [String: Any]? in
                records.first { record in
                    guard record["type"] as? String == "finding", record["panda_id"] as? String == job.pandaID,
                          let finding = record["finding"] as? [String: Any] else { return false }
                    return finding["rule"] as? String == "TRACE-ATTR" && finding["status"] as? String == "fail"
                        && (finding["message"] as? String)?.hasPrefix("escaped") == true
                }
            }
            let record = try #require(escaped, "no escaped finding for job \(job.pandaID): \(daemon.stderrText.suffix(2000))")
            let finding = try #require(record["finding"] as? [String: Any])
            let pid = try #require(finding["pid"] as? Int)
            let entries = EventsLive.eventEntries(try run.records())
            let sleeper = try #require(entries.first { $0["pid"] as? Int == pid }, "the escaped process \(pid) has no process record")
            #expect(sleeper["panda_id"] as? String == job.pandaID && (sleeper["cmdline"] as? [String]) == ["sleep", "1.5"], "\(sleeper)")
            #expect((sleeper["escaped"] as? String)?.hasPrefix("escaped") == true)
            let exit = EventsLive.eventEntries(try run.records(), type: "exit").first { $0["pid"] as? Int == pid }
            #expect(exit?["reaper_pid"] as? Int != sleeper["ppid"] as? Int, "\(String(describing: exit))")
        }

        @Test("a fork storm beyond the ring buffer: losses counted in the heartbeat, the metrics and a NODE-EVENTS finding; the daemon goes on; the chain verifies")
        func forkStormLosesCountably() throws {
            _ = try EventsLive.requireSource(ringBytes: 4096)
            let run = try DaemonRun()
            defer { run.remove() }
            let metrics = run.directory + "/metrics.prom"
            let daemon = try run.start(["--event-ring-kib", "4", "--heartbeat-every", "1", "--metrics", metrics])
            defer { daemon.stop() }
            try #require(EventsLive.waitForStart(daemon), "\(daemon.stderrText)")
            // Four bursts of 500 processes at once: a 4 KiB ring holds three exec events (or 21 forks).
            let storm = try ChildProcess(["/bin/sh", "-c", "for j in 1 2 3 4; do for i in $(seq 500); do /bin/true & done; wait; done"])
            defer { storm.stop() }
            _ = storm.wait(timeout: 120)
            let lost = EventsLive.wait(run, daemon) { records -> Int? in
                let counts = EventsLive.heartbeats(records).compactMap { ($0["process_events"] as? [String: Any])?["lost"] as? [String: Any] }
                let ring = counts.compactMap { $0["ring_buffer"] as? Int }.max() ?? 0
                let finding = records.contains { ($0["finding"] as? [String: Any])?["rule"] as? String == "NODE-EVENTS" }
                return ring > 0 && finding ? ring : nil
            }
            let ring = try #require(lost, "no loss reported: \(daemon.stderrText.suffix(2000))")
            #expect(ring > 0)
            let finding = try run.records().compactMap { $0["finding"] as? [String: Any] }.first { $0["rule"] as? String == "NODE-EVENTS" }
            #expect((finding?["message"] as? String)?.contains("incomplete") == true, "\(String(describing: finding))")
            // It goes on: another heartbeat after the storm, then a clean stop.
            let heartbeatsNow = EventsLive.heartbeats(try run.records()).count
            #expect(EventsLive.wait(run, daemon) { EventsLive.heartbeats($0).count > heartbeatsNow + 1 ? true : nil } == true)
            let text = (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? ""
            #expect(text.contains("isotrace_process_events_lost_total{reason=\"ring_buffer\"}") && !text.contains("isotrace_process_events_lost_total{reason=\"ring_buffer\"} 0\n"),
                    "\(text)")
            daemon.signal(SIGTERM)
            let stopped = daemon.wait(timeout: 120)
            #expect(stopped.status == 0, "\(stopped.description)")
            let verify = try IsotraceBinary.run("verify", "--out", run.directory)
            #expect(verify.status == 0, "\(verify.description)")
        }

        @Test("not root: the daemon says \"process events: unavailable, why\" at start and in every heartbeat")
        func unavailableWithoutRoot() throws {
            guard Syscalls.effectiveUserID() == 0, Executables.isExecutable("/usr/bin/setpriv") else {
                try Test.cancel("needs root and setpriv to run the daemon as another user")
            }
            let run = try DaemonRun()
            defer { run.remove() }
            let nobody: UInt32 = 65534
            for path in [run.directory, run.directory + "/keys"] + ((try? FileManager.default.subpathsOfDirectory(atPath: run.directory)) ?? []).map { run.directory + "/" + $0 } {
                _ = chown(path, nobody, nobody)
            }
            _ = chmod(run.policy, 0o644)
            let daemon = try ChildProcess(["/usr/bin/setpriv", "--reuid", String(nobody), "--regid", String(nobody), "--clear-groups", "--inh-caps=-all",
                                           try IsotraceBinary.path(), "daemon", "--interval", "1s", "--out", run.directory, "--policy", run.policy,
                                           "--heartbeat-every", "1", "--no-confine", "--sampler", "procfs"])
            defer { daemon.stop() }
            let heartbeats = EventsLive.wait(run, daemon, seconds: 600) { records -> [[String: Any]]? in
                let beats = EventsLive.heartbeats(records)
                return beats.count >= 2 ? beats : nil
            }
            #expect(daemon.stderrText.contains("process events: unavailable, "), "\(daemon.stderrText)")
            let beats = try #require(heartbeats, "\(daemon.stderrText)")
            for beat in beats {
                let events = beat["process_events"] as? [String: Any]
                #expect(events?["state"] as? String == "unavailable" && (events?["reason"] as? String)?.isEmpty == false, "\(beat)")
            }
        }
    }
}
