import Base
import Policy
import ProcFS
import Records

/// The daemon's part of the process event source: each cycle, the events drained before the
/// sample are attributed by ancestry once the sample is known, and what no sample recorded is
/// written, a record per job (`process` then `exit`, `seen_by: event`), with a TRACE-ATTR fail
/// finding for each payload process that escaped its job and a NODE-EVENTS finding for a cycle
/// in which events were lost. Between samples, when `--event-flush` events wait, an events-only
/// cycle records the payloads' processes that ended (`eventCycle`).
extension DaemonLoop {
    /// What a cycle's events give to record.
    struct EventRecords {
        var resolution: EventAttributor.Resolution
        /// The NODE-EVENTS finding of a cycle that lost events (nil: none lost).
        var loss: Finding?
    }

    /// The rule of the node-level finding that says a cycle lost process events.
    static let lossRule = "NODE-EVENTS"

    /// Ingests what was drained and counts what `resolve` (the attributor's `resolve` after a
    /// sample, `resolveEnded` between samples) decided, with the cycle's losses.
    func resolveProcessEvents(_ drained: ProcessEventCollector.Drained, node: NodeFacts,
                              resolve: (inout EventAttributor) -> EventAttributor.Resolution) -> EventRecords {
        attributor.ingest(batches: drained.batches, node: node)
        let resolution = resolve(&attributor)

        let before = eventCounts
        if let failure = drained.failure, eventCounts.unavailable == nil {
            eventCounts.unavailable = "reading the ring buffer stopped: \(failure)"
            logger.error("\(eventCounts.summary)")
        }
        eventCounts.seen = drained.seen
        if let ringLost = drained.ringLost { eventCounts.lostRingBuffer = ringLost } else { count("process_events") }
        eventCounts.lostDaemonBuffer = drained.bufferLost + UInt64(attributor.lifeLost)
        eventCounts.unattributable = attributor.unattributable
        eventCounts.recorded += resolution.started.count
        eventCounts.escaped += resolution.escaped.count
        counters.processEvents = eventCounts
        metrics.processEvents = eventCounts
        metrics.eventsWaiting = resolution.waiting

        var loss: Finding?
        if eventCounts.lost > before.lost {
            let ring = eventCounts.lostRingBuffer - before.lostRingBuffer
            let buffer = eventCounts.lostDaemonBuffer - before.lostDaemonBuffer
            let unattributable = eventCounts.unattributable - before.unattributable
            let message = "\(eventCounts.lost - before.lost) process event(s) lost in this cycle (ring buffer full: \(ring), "
                + "daemon buffer full: \(buffer), unattributable: \(unattributable)): the record of this cycle's processes is incomplete"
            loss = Finding(rule: Self.lossRule, status: .fail, severity: .medium, pid: nil, message: message, evidence: [
                "ring_buffer": .integer(Int64(ring)), "daemon_buffer": .integer(Int64(buffer)),
                "unattributable": .integer(Int64(unattributable)), "ring_bytes": .integer(Int64(eventCounts.ringBytes)),
                "complete": .boolean(false),
            ])
            logger.warning("\(message)")
        }
        return EventRecords(resolution: resolution, loss: loss)
    }

    /// A cycle that drained the event source and then could not sample gives the events back to
    /// the collector: the next cycle's drain decides them (nothing is dropped; what no longer
    /// fits in the collector's buffer is counted lost there).
    func keepForNextSample(_ drained: ProcessEventCollector.Drained?) {
        guard let drained, let processEvents else { return }
        processEvents.putBack(drained.batches)
    }

    /// Ended processes waiting for a sample beyond this start a full cycle at once (they are in
    /// memory until a sample decides them; a new job's processes wait for its first sample).
    static let waitingForSample = 25_000

    /// An events-only cycle, between two samples: drains the event source and records, as a full
    /// cycle would, the processes of payloads that ended (`EventAttributor.resolveEnded`), with
    /// their escapes and the losses since the last cycle; no sample, no audit, no heartbeat.
    /// The rest waits for the next sample. Returns whether a sample is needed now (more than
    /// `waitingForSample` wait, or no sample yet).
    func eventCycle() -> Bool {
        guard let processEvents, let nodeFacts, node != nil else { return true }
        let started = Syscalls.monotonicMilliseconds()
        let drained = processEvents.drain()
        let records = resolveProcessEvents(drained, node: nodeFacts) { attributor in
            // The tracker is as the last full cycle's `resolve` was given it.
            attributor.resolveEnded(giveUpAbove: Self.waitingForSample)
        }
        let resolvedAt = Syscalls.monotonicMilliseconds()
        startSigning()
        appendEventRecords(records, sampler: lastSampler)
        let builtAt = Syscalls.monotonicMilliseconds()
        appendPending()
        let appendedAt = Syscalls.monotonicMilliseconds()
        shipToSink()
        if let loss = records.loss {
            metrics.findings[DaemonMetrics.FindingKey(loss), default: 0] += 1
        }
        eventCycles += 1
        metrics.eventCycles = eventCycles
        writeMetrics()
        // The heap this cycle freed is kept for the next batch (it is given back after the next
        // full cycle): under a load that brings events-only cycles, giving it back now would
        // only have the next batch fault it all in again.
        let waiting = records.resolution.waiting
        let events = drained.batches.reduce(0) { $0 + $1.count }
        let decided = records.resolution.gaveUp ? "nothing decided (more than \(Self.waitingForSample) would wait)" : "\(records.resolution.started.count) process(es) recorded"
        logger.debug("event cycle \(eventCycles): \(events) event(s), \(decided), \(waiting) ended process(es) wait for the next sample, \(appendedAt - started) ms: resolved \(resolvedAt - started), records built \(builtAt - resolvedAt), appended and indexed \(appendedAt - builtAt) ms")
        if records.resolution.gaveUp || waiting > Self.waitingForSample {
            logger.info("\(waiting) ended process(es) seen by events wait for a sample to decide their job: sampling now")
            return true
        }
        return false
    }

    /// Appends the cycle's event records to `pending`: per job (seen by no sampler), one `process`
    /// record of the processes first seen since the last cycle (ended or not: a short-lived process
    /// has its `process` entry like a sampled one) and one `exit` record of those that ended, then
    /// the findings, which name the cycle's `sampler` like every finding.
    func appendEventRecords(_ records: EventRecords, sampler: SamplerKind) {
        let started = records.resolution.started, exited = records.resolution.exited
        // Signed and appended as they are built, from the first (`startSigning` starts once).
        for group in Self.byJob(started) {
            pending.append(DaemonRecords.eventProcesses(started, at: group))
            startSigning()
        }
        for group in Self.byJob(exited) { pending.append(DaemonRecords.eventExits(exited, at: group)) }
        for escape in records.resolution.escaped {
            let process = escape.process
            logger.warning("job \(process.pandaID ?? "?"): PID \(process.identity.pid) (\(process.comm)) \(escape.reason)")
            let finding = Finding(rule: "TRACE-ATTR", status: .fail, severity: .high, pid: process.identity.pid, message: escape.reason, evidence: [
                "pid": .integer(Int64(process.identity.pid)), "start_ticks": .integer(Int64(clamping: process.identity.startTicks)),
                "parent_pid": .integer(Int64(escape.life.parent.pid)), "reaper_pid": escape.life.exit.map { .integer(Int64($0.reaper)) } ?? .null,
                "sid": .integer(Int64(escape.life.sid)), "panda_id": process.pandaID.map(EvidenceValue.string) ?? .null,
                "seen_by": "event",
            ])
            let change = VerdictChange(job: JobKey(pandaID: process.pandaID ?? "", pilot: process.pilot), finding: finding, previous: nil)
            do {
                pending.append(try DaemonRecords.finding(change, sampler: sampler))
            } catch {
                count("encode")
                logger.error("cannot build a finding record: \(error)")
            }
        }
        if let loss = records.loss {
            do {
                pending.append(try DaemonRecords.finding(VerdictChange(job: nil, finding: loss, previous: nil), sampler: sampler))
            } catch {
                count("encode")
                logger.error("cannot build a finding record: \(error)")
            }
        }
    }

    /// At most this many processes in one record: a payload that starts tens of thousands of
    /// processes in a cycle gets several records (one signature and one line each), not one
    /// line of tens of megabytes.
    static let entriesPerRecord = 1_000

    /// The positions of `entries` grouped by job (PanDA ID and pilot), in the order the jobs first
    /// appear, each group cut into records of at most `entriesPerRecord`.
    static func byJob(_ entries: [EventAttributor.Entry]) -> [ArraySlice<Int>] {
        var groups = RecordGroups<JobKey, Int>()
        // Each entry's job read where it is (iterating the entries copied each one whole), and
        // looked up only when it is not the previous entry's (a job's entries come in runs).
        entries.withUnsafeBufferPointer { list in
            var previous: (key: JobKey, group: Int)?
            for position in list.indices {
                let process = UnsafePointer(list.baseAddress! + position)
                if let last = previous, Self.sameJob(last.key, process) {
                    groups.add(position, toGroup: last.group)
                    continue
                }
                let key = JobKey(pandaID: process.pointee.process.pandaID ?? "", pilot: process.pointee.process.pilot)
                previous = (key, groups.add(position, to: key).group)
            }
        }
        return groups.records
    }

    /// Whether the entry at `entry` is of the job `key` (as `JobKey`'s equality says).
    private static func sameJob(_ key: JobKey, _ entry: UnsafePointer<EventAttributor.Entry>) -> Bool {
        key.pilot == entry.pointee.process.pilot && key.pandaID == (entry.pointee.process.pandaID ?? "")
    }
}
