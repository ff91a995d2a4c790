#if canImport(Glibc)
import Glibc
#endif
import Base
import CentralStore
import Logging
import Policy
import ProcFS
import RecordIndex
import Records

/// The daemon: each cycle samples /proc (known processes only refreshed), audits, turns what
/// changed into records (`process`, `exit`, `finding`; an `audit` at start and every
/// --full-every; a `heartbeat` every N cycles), appends them to the chain (signed on a thread of
/// its own while the cycle builds the later ones: `startSigning`), updates the index,
/// writes metrics and sends syslog (each message citing the seq of the record that holds its
/// fact; `SyslogSender` queues what a full socket does not take). A job's first verdicts are
/// `finding` records with `previous_status` null, except in a cycle that writes a full audit
/// record, which holds them. Each heartbeat carries the chain head before it, and once it is
/// appended the head after it (the heartbeat's own seq and hash) goes to syslog (`chain_head`),
/// off the node, where a chain cut back later is caught (`verify --anchors`).
///
/// Signals are blocked and taken with sigtimedwait between cycles, so a cycle always finishes:
/// SIGHUP reloads the policy (a broken one is logged and the old one kept), SIGUSR1 runs a cycle
/// now, SIGUSR2 an events-only cycle now (what the process events saw of payloads is recorded,
/// without sampling the node), SIGTERM/SIGINT write a final heartbeat (appended with fsync) and
/// end the loop.
public final class DaemonLoop {
    public static let signals: [Int32] = [SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2]

    let configuration: DaemonConfiguration
    let signer: ChainSigner
    /// When the current epoch key was made (monotonic ms); nil until the first rotation, which
    /// comes with the first append: every start is a new epoch.
    var lastRotation: Int64?
    var logger: Logger
    var policy: Policy
    let metricsFile: MetricsFile?
    let syslog: SyslogSender?
    /// Chosen at start (the BPF iterator is loaded before confinement and reused every cycle).
    let sampler: Sampler
    /// The sampler of the last cycle (the /proc one when a BPF read failed).
    var lastSampler: SamplerKind

    var tracker = ProcessTracker()
    /// The BPF process event source's reader (nil when unavailable: `eventCounts` says why), and
    /// the attribution by ancestry of what it saw.
    public private(set) var processEvents: ProcessEventCollector?
    var attributor = EventAttributor()
    var eventCounts: ProcessEventCounts
    /// The node facts of the last sample (boot ID, clock): what an events-only cycle dates its events by.
    var nodeFacts: NodeFacts?
    /// Events-only cycles since start (`eventCycle`), each with its debug line.
    var eventCycles = 0
    /// `eventCycles` when the last full cycle ended: whether events-only cycles ran since.
    var eventCyclesAtLastCycle = 0
    var known: [Int32: ProcessSample] = [:]
    var node: RecordNode?
    var hostname: String?
    var pending = PendingRecords()
    /// The thread signing and appending `pending` while the cycle builds it (`startSigning`).
    var signing: BackgroundThread<SigningOutcome>?
    var counters = HeartbeatCounters()
    var metrics = DaemonMetrics()
    var cyclesSinceHeartbeat = 0
    /// How the daemon is confined (user, capabilities, seccomp, Landlock): in every heartbeat.
    public var confinement: JSONValue? {
        didSet { counters.confinement = confinement }
    }
    var lastFullAudit: Int64?
    /// The previous cycle's audit: what did not change is taken over from it (same policy).
    var lastAudit: AuditResult?
    /// What the last successful `appendPending` appended, in the order of `pending`.
    var lastAppended: [AppendedRecord] = []
    /// The chain head after the last successful `appendPending` when it appended a heartbeat:
    /// what the next syslog `chain_head` message carries.
    var appendedHeartbeatHead: ChainHead?
    /// When the last `appendPending` had its records durable (monotonic ms; before the index update).
    var lastDurableAt: Int64?
    /// Owners not found yet are looked for again every this many cycles (and with each full audit):
    /// reading pilot logs each cycle for every job would cost more than all the rest.
    static let ownerLookupEvery = 10
    /// The warning that the iterator's task count cannot be read was given (once is enough).
    var warnedTaskCount = false
    /// Set while the central database is unreachable: a "reachable again" line when it returns.
    var sinkDown = false
    /// The shipment to the central database under way on a thread of its own: a database that
    /// hangs (a slow network, a server shutting down) never holds up the cycles that record.
    var shipment: BackgroundThread<Result<RecordShipper.Report, SinkError>>?
    let startedAt: Int64
    static let pendingLimit = 10_000
    /// How long a cycle waits for a full syslog socket, and a clean stop for the last messages.
    static let syslogCycleWait: Int64 = 250
    static let syslogStopWait: Int64 = 2_000

    /// Blocks the daemon's signals; call first thing, before any thread is started, so that
    /// every thread inherits the mask and sigtimedwait is the only taker.
    public static func blockSignals() { Syscalls.blockSignals(signals) }

    public convenience init(configuration: DaemonConfiguration, policy: Policy, key: RecordSigningKey, logger: Logger, sampler: Sampler? = nil,
                            processEvents: ProcessEventCollector? = nil, processEventsUnavailable: String? = nil,
                            lineage: [ProcessLineage.Link] = []) {
        self.init(configuration: configuration, policy: policy, signer: .single(key), logger: logger, sampler: sampler,
                  processEvents: processEvents, processEventsUnavailable: processEventsUnavailable, lineage: lineage)
    }

    public init(configuration: DaemonConfiguration, policy: Policy, signer: ChainSigner, logger: Logger, sampler: Sampler? = nil,
                processEvents: ProcessEventCollector? = nil, processEventsUnavailable: String? = nil,
                lineage: [ProcessLineage.Link] = []) {
        self.configuration = configuration
        self.processEvents = processEvents
        eventCounts = ProcessEventCounts(unavailable: processEvents == nil ? (processEventsUnavailable ?? "not started") : nil)
        eventCounts.ringBytes = processEvents?.source.ringBytes ?? 0
        attributor.seed(lineage)
        // Mount tables are read again only when the kernel says they changed (MountTableWatch).
        self.sampler = (sampler ?? .procfs(procRoot: configuration.procRoot)).watchingMountTables()
        lastSampler = self.sampler.kind
        self.policy = policy
        self.signer = signer
        self.logger = logger
        metricsFile = configuration.metricsPath.map(MetricsFile.init(path:))
        syslog = configuration.syslogSocket.map { SyslogSender(socketPath: $0, queueLimit: configuration.syslogQueueLimit) }
        startedAt = Syscalls.monotonicMilliseconds()
        counters.pid = Syscalls.processID()
        counters.policySHA256 = policy.sha256
        counters.processEvents = eventCounts
        metrics.processEvents = eventCounts
        metrics.version = configuration.version
        metrics.sampler = lastSampler.rawValue
        if let syslog {
            let keyID = signer.chainKeyID, pid = counters.pid
            syslog.reportDrops { [weak self] dropped, total in
                SyslogSender.dropNotice(dropped: dropped, total: total, keyID: keyID, time: .now(), hostname: self?.hostname, procID: pid)
            }
            counters.syslog = syslog.counts
            metrics.syslog = syslog.counts
        }
    }

    /// "process events: running ..." or "process events: unavailable, why" (logged at start; the heartbeat says it too).
    public var processEventsSummary: String? { eventCounts.summary }

    /// The event source cannot be used after all (its check under confinement failed): said at
    /// start and in every heartbeat from now on.
    public func disableProcessEvents(_ reason: String) {
        processEvents = nil
        eventCounts.unavailable = reason
        counters.processEvents = eventCounts
        metrics.processEvents = eventCounts
    }

    /// Opens the syslog socket before confinement so that a wrong path shows at start (sends
    /// connect again later when needed).
    public func prepare() {
        guard let syslog else { return }
        do {
            try syslog.connect()
        } catch {
            count("syslog")
            logger.warning("syslog socket \(syslog.socketPath) not usable yet: \(error)")
        }
    }

    /// Runs until SIGTERM/SIGINT; returns the exit code (0 after a clean stop).
    public func run() -> Int32 {
        processEvents?.start()
        var next = Syscalls.monotonicMilliseconds()
        while true {
            let now = Syscalls.monotonicMilliseconds()
            if now >= next {
                cycle()
                next = Syscalls.monotonicMilliseconds() + configuration.interval.milliseconds
                continue
            }
            // With the event source running, wake every second to see whether its buffer fills.
            var wait = processEvents == nil ? next - now : min(next - now, 1_000)
            // Many events waiting: what they say of payloads is recorded now, the node is sampled
            // at the interval (or at once when too much waits for a sample to decide). Signals
            // are taken before the next one (without waiting): events that come in faster than
            // such cycles end must not keep a SIGTERM from being seen.
            if (processEvents?.waiting ?? 0) >= configuration.eventFlush {
                if eventCycle() { next = Syscalls.monotonicMilliseconds() }
                wait = 0
            }
            guard let signal = Syscalls.waitForSignal(Self.signals, milliseconds: wait) else { continue }
            switch signal {
            case SIGHUP: reloadPolicy()
            case SIGUSR1:
                logger.info("SIGUSR1: cycle now")
                next = Syscalls.monotonicMilliseconds()
            case SIGUSR2:
                guard let events = processEvents, eventCounts.unavailable == nil else {
                    logger.warning("SIGUSR2: no events-only cycle: \(eventCounts.summary)")
                    continue
                }
                logger.info("SIGUSR2: events-only cycle now (\(events.waiting) event(s) waiting)")
                if eventCycle() { next = Syscalls.monotonicMilliseconds() }
            default:
                logger.info("\(signal == SIGTERM ? "SIGTERM" : "SIGINT"): writing the final heartbeat and stopping")
                return stop()
            }
        }
    }

    func stop() -> Int32 {
        processEvents?.stop()
        if let syslog {
            // The last messages get a moment; what the socket still does not take is dropped,
            // and the final heartbeat says how many.
            if let error = syslog.flush(waitMilliseconds: Self.syslogStopWait) {
                logger.warning("syslog: \(error); \(syslog.counts.queued) message(s) dropped at stop")
            }
            syslog.dropQueued()
            counters.syslog = syslog.counts
            metrics.syslog = syslog.counts
        }
        counters.final = true
        counters.uptimeSeconds = Int((Syscalls.monotonicMilliseconds() - startedAt) / 1000)
        pending.append(DaemonRecords.heartbeat(counters, sampler: lastSampler))
        let written = appendPending()
        if let syslog, let head = appendedHeartbeatHead {
            if let error = syslog.submit([chainHeadMessage(head)], waitMilliseconds: Self.syslogStopWait) {
                logger.warning("syslog: \(error); the final chain head was not sent")
            }
            syslog.dropQueued()
            metrics.syslog = syslog.counts
        }
        shipToSink(waiting: true)
        metrics.up = false
        writeMetrics()
        if written {
            logger.info("stopped after \(counters.cycles) cycle(s), \(counters.recordsWritten) record(s) written")
            return 0
        }
        logger.error("stopped, but \(pending.count) record(s) could not be written")
        return 2
    }

    func reloadPolicy() {
        do {
            let fresh = try PolicyLoader.load(path: configuration.policyPath)
            policy = fresh
            counters.policySHA256 = fresh.sha256
            logger.info("SIGHUP: policy \(fresh.id) \(fresh.version) reloaded from \(configuration.policyPath) (sha256 \(fresh.sha256.prefix(16)))")
        } catch {
            count("policy")
            for issue in error.issues { logger.error("\(issue)") }
            logger.error("SIGHUP: policy \(configuration.policyPath) is not usable (\(error.issues.count) problem(s)); keeping policy \(policy.id) \(policy.version)")
        }
    }

    /// One cycle: sample, audit, records, index, syslog, metrics.
    func cycle() {
        let started = Syscalls.monotonicMilliseconds()
        // Taken before the sample: every process alive at the drain is then in the sample.
        let drained = processEvents?.drain()
        var snapshot: Snapshot
        do {
            snapshot = try sampler.sample(reusing: known, extraEnvironment: policy.extraEnvironment)
        } catch {
            count("sample")
            guard sampler.kind == .bpf else {
                logger.error("cannot sample \(configuration.procRoot): \(error)")
                keepForNextSample(drained)
                return
            }
            // The records of this cycle say "procfs": what was read, not what was configured.
            logger.error("BPF sampler failed (\(error)); sampling /proc this cycle")
            do {
                snapshot = try ProcSampler(procRoot: configuration.procRoot, extraEnvironment: policy.extraEnvironment)
                    .sample(reusing: known)
            } catch {
                logger.error("cannot sample \(configuration.procRoot): \(error)")
                keepForNextSample(drained)
                return
            }
        }
        lastSampler = snapshot.sampler
        let sampledAt = Syscalls.monotonicMilliseconds()
        if snapshot.sampler == .bpf, let iterator = sampler.iterator, iterator.tasksVisitedByLastRead() == nil, !warnedTaskCount {
            warnedTaskCount = true
            logger.warning("the BPF task iterator's task count is unreadable: /proc is listed every cycle")
        }
        known = Dictionary(snapshot.processes.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
        if !snapshot.problems.isEmpty {
            count("proc", snapshot.problems.count)
            for problem in snapshot.problems.prefix(5) { logger.warning("\(problem)") }
        }
        if node == nil {
            node = RecordNode(snapshot.node)
            hostname = snapshot.node.hostname
        }
        nodeFacts = snapshot.node
        let writesAudit = lastFullAudit.map({ started - $0 >= configuration.fullEvery.milliseconds }) ?? true
        let audit = PolicyEvaluator(policy: policy, inspector: RootedFileInspector(procRoot: configuration.procRoot))
            .audit(snapshot, reusing: lastAudit, lookUpOwners: writesAudit || counters.cycles % Self.ownerLookupEvery == 0)
        lastAudit = audit
        let events = tracker.update(with: audit)
        // The processes recorded before and after the update (those it keeps and those it found
        // ended) and the sample's, as the tracker holds them: nothing merged or built again.
        let eventRecords = drained.map { drained in
            resolveProcessEvents(drained, node: snapshot.node) { attributor in
                attributor.resolve(alive: tracker.processes, ended: tracker.ended, sampled: tracker.sampled)
            }
        }
        let auditedAt = Syscalls.monotonicMilliseconds()

        // Which pending record holds each event (by index), for the syslog messages' seq.
        var holder: [Int: Int] = [:]
        var auditRecord: Int?
        // The records are signed and appended on another thread as they are built (a key
        // rotation due first), from here on or from the first record built.
        startSigning()
        if writesAudit {
            lastFullAudit = started
            var recorded = audit
            // A cycle that lost process events says so in its audit record too.
            if let loss = eventRecords?.loss { recorded.nodeFindings.append(loss) }
            auditRecord = build("audit") { try RecordBody.audit(recorded) }
            startSigning()
        }
        if let eventRecords { appendEventRecords(eventRecords, sampler: snapshot.sampler) }
        startSigning()
        let sampled = appendSampledProcessRecords(events, sampler: snapshot.sampler)
        var startRecord: [Int32: Int] = [:], exitRecord: [Int32: Int] = [:]
        for (index, event) in events.enumerated() {
            switch event {
            case .processStarted(let process, _):
                holder[index] = sampled[index]
                startRecord[process.identity.pid] = sampled[index]
            case .processExited(let process):
                holder[index] = sampled[index]
                exitRecord[process.identity.pid] = sampled[index]
            case .verdictChanged(let change):
                // A new job's first verdicts are in this cycle's audit record when there is one.
                if change.previous == nil && writesAudit {
                    holder[index] = auditRecord
                    continue
                }
                holder[index] = build("finding") { try DaemonRecords.finding(change, sampler: snapshot.sampler) }
            case .jobStarted(let job): logger.info("job \(job.key.pandaID) started (pilot \(job.key.pilot?.pid ?? 0), root \(job.rootPID), \(job.isolated ? "isolated" : "NOT isolated"))")
            case .jobEnded(let job): logger.info("job \(job.key.pandaID) ended (pilot \(job.key.pilot?.pid ?? 0))")
            }
        }
        // A job's start is held by its root's process record (or the audit record), its end by
        // the root's exit record.
        for (index, event) in events.enumerated() {
            switch event {
            case .jobStarted(let job): holder[index] = startRecord[job.rootPID] ?? auditRecord
            case .jobEnded(let job): holder[index] = exitRecord[job.rootPID]
            default: break
            }
        }
        counters.cycles += 1
        counters.processes = snapshot.processes.count
        counters.tracked = tracker.processes.count
        counters.jobs = audit.jobs.count
        counters.payloadProcesses = audit.graph.payloadProcessCount
        counters.notIsolated = audit.jobs.filter { !$0.isolated }.count
        cyclesSinceHeartbeat += 1
        if cyclesSinceHeartbeat >= configuration.heartbeatEvery {
            cyclesSinceHeartbeat = 0
            counters.uptimeSeconds = Int((Syscalls.monotonicMilliseconds() - startedAt) / 1000)
            pending.append(DaemonRecords.heartbeat(counters, sampler: snapshot.sampler))
        }
        let builtAt = Syscalls.monotonicMilliseconds()
        let appended = appendPending()
        let indexedAt = Syscalls.monotonicMilliseconds()
        shipToSink()
        sendSyslog(events, holders: holder, time: snapshot.takenAt)

        let elapsed = Syscalls.monotonicMilliseconds() - started
        counters.lastCycleMilliseconds = Int(elapsed)
        metrics.jobs = audit.jobs.count
        metrics.payloadProcesses = audit.graph.payloadProcessCount
        metrics.jobsNotIsolated = counters.notIsolated
        var findings: [DaemonMetrics.FindingKey: Int] = [:]
        for finding in audit.allFindings {
            findings[DaemonMetrics.FindingKey(finding), default: 0] += 1
        }
        if let loss = eventRecords?.loss {
            findings[DaemonMetrics.FindingKey(loss), default: 0] += 1
        }
        metrics.findings = findings
        metrics.cycleDurationSeconds = Double(elapsed) / 1000
        metrics.lastCycleTimestampSeconds = Double(UTCTime.now().millisecondsSinceEpoch) / 1000
        metrics.sampler = lastSampler.rawValue
        writeMetrics()
        // The first cycle parses every process in full and builds every process record; give the
        // freed heap back so RSS follows what the daemon keeps, not its busiest cycle. A later one
        // under process events (`underProcessEvents`) keeps it, as an events-only cycle does: the
        // next batch would fault it all in again. The first full cycle without them gives it back.
        let keepsHeap = counters.cycles > 1
            && Self.underProcessEvents(eventCyclesSince: eventCycles - eventCyclesAtLastCycle, resolution: eventRecords?.resolution)
        eventCyclesAtLastCycle = eventCycles
        if !keepsHeap { Syscalls.releaseFreeMemory() }
        if counters.cycles == 1 { Syscalls.releaseStartupCode() }
        // The phases, and when the records were durable (monotonic, for bench/firstcycle.py).
        let durable = appended ? lastDurableAt.map { "durable at monotonic \($0) ms, \($0 - started) ms into the cycle" } ?? "nothing appended" : "not appended"
        logger.debug("cycle \(counters.cycles): \(snapshot.processes.count) processes, \(audit.jobs.count) job(s) (\(audit.jobsReused) unchanged), \(events.count) event(s), \(elapsed) ms: sample \(sampledAt - started), audit \(auditedAt - sampledAt), records built \(builtAt - auditedAt), appended \((lastDurableAt ?? indexedAt) - builtAt) (\(durable)), index \(indexedAt - (lastDurableAt ?? indexedAt)) ms, \(keepsHeap ? "freed heap kept (process events)" : "freed heap given back")")
    }

    /// Whether a full cycle is under process events: it recorded processes the events saw (its
    /// resolution started or ended some), or events-only cycles ran since the last full cycle.
    /// Such a cycle keeps the heap it freed for the next batch (RSS stays at the busiest cycle's
    /// while the events keep coming, and comes down at the first full cycle without them).
    static func underProcessEvents(eventCyclesSince: Int, resolution: EventAttributor.Resolution?) -> Bool {
        eventCyclesSince > 0 || resolution.map { !$0.started.isEmpty || !$0.exited.isEmpty } ?? false
    }

    /// Appends the `exit` and then the `process` records of the sampled processes that ended and
    /// were first seen (`events`), a record per job, or the node's for pilots, their wrappers and
    /// unattributed processes (`recordGroup`), at most `entriesPerRecord` processes each, in the
    /// order the events name them. Returns which pending record holds each such event (by index).
    /// A process whose entry cannot be built (`processEntry` throws) is left out and counted.
    func appendSampledProcessRecords(_ events: [TrackerEvent], sampler: SamplerKind) -> [Int: Int] {
        var started = RecordGroups<JobKey?, SampledProcessEntry>(), ended = RecordGroups<JobKey?, TrackedProcess>()
        var startPlaces: [Int: RecordGroups<JobKey?, SampledProcessEntry>.Place] = [:]
        var endPlaces: [Int: RecordGroups<JobKey?, TrackedProcess>.Place] = [:]
        for (index, event) in events.enumerated() {
            switch event {
            case .processStarted(let process, let sample):
                do {
                    startPlaces[index] = started.add(try DaemonRecords.processEntry(process, sample: sample), to: Self.recordGroup(process))
                } catch {
                    count("encode")
                    logger.error("cannot record PID \(process.identity.pid) in a process record: \(error)")
                }
            case .processExited(let process):
                endPlaces[index] = ended.add(process, to: Self.recordGroup(process))
            default: break
            }
        }
        var holders: [Int: Int] = [:]
        let firstExit = pending.count, exitGroups = ended.firstRecordOfGroup
        for record in ended.records { pending.append(DaemonRecords.exits(record, sampler: sampler)) }
        startSigning()
        for (index, place) in endPlaces { holders[index] = firstExit + exitGroups[place.group] + place.position / ended.limit }
        let records = started.records.map { record in build("process") { try DaemonRecords.processes(record, sampler: sampler) } }
        let startGroups = started.firstRecordOfGroup
        for (index, place) in startPlaces { holders[index] = records[startGroups[place.group] + place.position / started.limit] }
        return holders
    }

    /// The record a sampled process goes into: its job's (PanDA ID and pilot) for a payload
    /// process, the node's (nil) for pilots, pilot wrappers and unattributed processes.
    static func recordGroup(_ process: TrackedProcess) -> JobKey? {
        process.role == .payload ? JobKey(pandaID: process.pandaID ?? "", pilot: process.pilot) : nil
    }

    /// Appends the record `make` builds to `pending`; its index there, nil when it failed.
    @discardableResult
    private func build(_ kind: String, _ make: () throws -> RecordBody) -> Int? {
        do {
            pending.append(try make())
            return pending.count - 1
        } catch {
            count("encode")
            logger.error("cannot build a \(kind) record: \(error)")
            return nil
        }
    }

    /// What the signing thread did: the append's outcome or error, partial lines it recovered
    /// first, and when the records were durable (monotonic ms; before the index update).
    struct SigningOutcome {
        var result: Result<RecordAppender.Outcome, any Error>
        var recovered: [RecoveredPartial] = []
        var durableAt: Int64?
        /// When the thread was started: a key rotation it made counts from then.
        var startedAt: Int64
    }

    /// Starts the thread that signs and appends `pending` (and whatever is added to it until
    /// `appendPending`), then updates the index; nil when there is nothing to append and no key
    /// rotation is due, or no node yet. The thread is started after confinement (every thread
    /// the daemon starts is), so it runs under the same seccomp filter, user and capabilities;
    /// it touches only the chain writer and the queue, never the loop's state.
    @discardableResult
    func startSigning() -> Bool {
        if signing != nil { return true }
        let now = Syscalls.monotonicMilliseconds()
        let rotate = signer.isForwardSecure && lastRotation.map { now - $0 >= configuration.keyEpoch.milliseconds } ?? true
        guard !pending.isEmpty || rotate, let node else { return false }
        let appender = RecordAppender(outputDirectory: configuration.outputDirectory, signer: signer, node: node,
                                      updatesIndex: configuration.updateIndex)
        let queue = HandOffQueue<RecordBody>()
        for body in pending.bodies { queue.put(body) }
        pending.handOff = queue
        signing = BackgroundThread {
            var outcome = SigningOutcome(result: .failure(ChainError(path: appender.outputDirectory, reason: "not appended")), startedAt: now)
            do {
                outcome.result = .success(try appender.append(queue, rotate: rotate) { partial in
                    outcome.recovered.append(partial)
                } durable: {
                    outcome.durableAt = Syscalls.monotonicMilliseconds()
                })
            } catch {
                outcome.result = .failure(error)
            }
            return outcome
        }
        return true
    }

    /// Appends what is pending (one fsync per segment; signed on the signing thread, which may
    /// have begun with the cycle's first records), then brings the index up to date; on failure
    /// keeps it for the next cycle, dropping the oldest beyond `pendingLimit`.
    @discardableResult
    func appendPending() -> Bool {
        lastAppended = []
        appendedHeartbeatHead = nil
        lastDurableAt = nil
        guard startSigning(), let signing, let queue = pending.handOff else { return pending.isEmpty }
        queue.finish()
        let signed = signing.join()
        self.signing = nil
        pending.handOff = nil
        lastDurableAt = signed.durableAt
        for partial in signed.recovered {
            logger.warning("recovered a partial last line (\(partial.bytes) bytes) into \(partial.file); recovery record seq \(partial.record.seq)")
        }
        let outcome: RecordAppender.Outcome
        switch signed.result {
        case .success(let appended):
            outcome = appended
        case .failure(let error):
            count("records")
            logger.error("cannot append \(pending.count) record(s) to \(configuration.outputDirectory)/records: \(error); retrying next cycle")
            if pending.count > Self.pendingLimit {
                count("records_dropped", pending.count - Self.pendingLimit)
                pending.removeFirst(pending.count - Self.pendingLimit)
            }
            return false
        }
        for file in outcome.erasedKeyFiles { logger.warning("erased \(file), left by an interrupted key rotation") }
        if let rotation = outcome.rotation {
            lastRotation = signed.startedAt
            counters.recordsWritten += 1
            logger.info("new epoch key: key_rotation seq \(rotation.seq)")
        }
        lastAppended = outcome.appended
        if pending.contains(where: { $0.type == .heartbeat }) { appendedHeartbeatHead = outcome.head }
        counters.recordsWritten += outcome.appended.count + outcome.recovered.count
        metrics.recordsTotal = counters.recordsWritten
        pending.removeAll()
        switch outcome.index {
        case .success(let report):
            for notice in report.notices { logger.warning("index: \(notice)") }
        case .failure(let error):
            count("index")
            logger.error("cannot update the index: \(error)")
        case nil:
            break
        }
        return true
    }

    /// Sends what the central database does not have yet (`RecordShipper`, from DIR/sink.cursor),
    /// on a thread of its own: while the last shipment still runs the cycle does not wait for it,
    /// and the next cycle's shipment sends what this one would have. `waiting` (at stop) waits for
    /// the one under way, then ships what is left and waits for that too. While the database is
    /// unreachable the records stay in the segments and a later shipment tries again: one error
    /// line when it goes away, one when it is back.
    func shipToSink(waiting: Bool = false) {
        guard let sink = configuration.sink else { return }
        if let running = shipment {
            guard waiting || running.isDone else { return }
            shipment = nil
            reportShipment(running.join(), sink: sink)
        }
        let shipper = RecordShipper(outputDirectory: configuration.outputDirectory, chainKeyID: signer.isForwardSecure ? signer.chainKeyID : nil)
        let started = BackgroundThread { () -> Result<RecordShipper.Report, SinkError> in
            Result { () throws(SinkError) in
                try sink.session(requireSchema: false) { database throws(SinkError) in try await shipper.ship(to: database) }
            }
        }
        if waiting {
            reportShipment(started.join(), sink: sink)
        } else {
            shipment = started
        }
    }

    private func reportShipment(_ outcome: Result<RecordShipper.Report, SinkError>, sink: SinkConnector) {
        switch outcome {
        case .success(let report):
            for notice in report.notices { logger.warning("sink: \(notice)") }
            for problem in report.problems { logger.error("sink: \(problem)") }
            if sinkDown {
                sinkDown = false
                logger.info("sink \(sink.url.redacted) reachable again: \(report.sent) record(s) sent (\(report.inserted) new)")
            } else if report.sent > 0 {
                logger.debug("sink: \(report.sent) record(s) sent (\(report.inserted) new), last seq \(report.lastSeq ?? 0)")
            }
        case .failure(let error):
            count("sink")
            if !sinkDown {
                logger.error("sink: \(error); records stay in \(configuration.outputDirectory)/records and are sent when it is back")
            } else {
                logger.debug("sink still unreachable: \(error)")
            }
            sinkDown = true
        }
    }

    /// Sends the cycle's messages behind those still queued. Each cites the seq of the record
    /// holding its fact (`holders`: event index to `pending` index, appended this cycle) and the
    /// uid of the process it is about.
    private func sendSyslog(_ events: [TrackerEvent], holders: [Int: Int], time: UTCTime) {
        guard let syslog else { return }
        let citations = events.indices.map { index in
            SyslogSender.Citation(seq: holders[index].flatMap { $0 < lastAppended.count ? lastAppended[$0].seq : nil },
                                  uid: uid(about: events[index]))
        }
        var messages = SyslogSender.messages(for: events, citations: citations, keyID: signer.chainKeyID, time: time,
                                             hostname: hostname, procID: counters.pid)
        if let head = appendedHeartbeatHead { messages.append(chainHeadMessage(head)) }
        let before = syslog.counts
        if let error = syslog.submit(messages, waitMilliseconds: Self.syslogCycleWait) {
            count("syslog")
            logger.warning("syslog: \(error); \(syslog.counts.queued) message(s) wait for the next cycle")
        }
        let dropped = syslog.counts.dropped - before.dropped
        if dropped > 0 {
            logger.warning("syslog: \(dropped) message(s) dropped, more than \(syslog.queueLimit) waiting (\(syslog.counts.dropped) in all; counted in the heartbeat and metrics)")
        }
        counters.syslog = syslog.counts
        metrics.syslog = syslog.counts
    }

    /// The syslog `chain_head` message for `head`, now.
    private func chainHeadMessage(_ head: ChainHead) -> SyslogMessage {
        SyslogSender.chainHead(head, keyID: signer.chainKeyID, node: node, time: .now(), hostname: hostname, procID: counters.pid)
    }

    /// The uid of the process a message is about: a job's payload root; a finding's process,
    /// else its job's root.
    private func uid(about event: TrackerEvent) -> UInt32? {
        switch event {
        case .jobStarted(let job), .jobEnded(let job): return job.rootUID
        case .verdictChanged(let change):
            if let pid = change.finding.pid { return known[pid]?.effectiveUID }
            return change.job.flatMap { tracker.jobs[$0]?.rootUID }
        case .processStarted(let process, _), .processExited(let process): return process.uid
        }
    }

    func writeMetrics() {
        guard let metricsFile else { return }
        metrics.errorsTotal = counters.errors
        do {
            try metricsFile.write(metrics)
        } catch {
            count("metrics")
            logger.error("cannot write metrics \(metricsFile.path): \(error)")
        }
    }

    func count(_ kind: String, _ amount: Int = 1) {
        counters.errors[kind, default: 0] += amount
        metrics.errorsTotal = counters.errors
    }

}
