import Base
import Agent
import ArgumentParser
import Logging
import Policy
import ProcFS
import Records
#if canImport(Glibc)
import Glibc
#endif

/// `isotrace daemon`: the node watching itself. Change-only signed records, metrics, syslog,
/// confined by capabilities and a seccomp allowlist.
struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Audit this node continuously: change-only signed records, Prometheus metrics, syslog.",
        discussion: """
            Each cycle samples the processes (--sampler: the BPF task iterator, loaded once, or /proc), audits, and appends to DIR/records only what changed: a process \
            record at the first sight of a pilot or payload process, an exit record when it is gone, \
            a finding record when a rule's verdict for a job changes, a heartbeat every N cycles and a \
            full audit record at start and every --full-every. With epoch keys (keygen) it signs with a new key at start and every --key-epoch (a key_rotation record; the old private key is erased). SIGHUP reloads the policy (a broken one \
            is logged and the old one kept), SIGUSR1 runs a cycle now, SIGUSR2 an events-only cycle now (what the process events saw of payloads is recorded, the node is not sampled), SIGTERM/SIGINT write a final \
            heartbeat and exit 0. After start-up (policy, BPF sampler) the daemon becomes its own system \
            user (--user, default isotrace), keeps only CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE and \
            installs a seccomp allowlist (--print-filter lists it); DIR must then belong to that user. \
            Exit 2 when another daemon runs on DIR, or the policy, key, user or confinement is not usable.
            """
    )

    @Option(help: ArgumentHelp("Time between cycles (500ms, 30s, 5m, 1h).", valueName: "duration"))
    var interval: String = "30s"

    @OptionGroup var policyOption: PolicyOption
    var policy: String? { policyOption.policy }

    @OptionGroup var stateDirectory: StateDirectoryOption
    var out: String { stateDirectory.directory }

    @OptionGroup var signingKey: SigningKeyOption
    var key: String? { signingKey.key }

    @Option(help: ArgumentHelp("Write Prometheus metrics to this file (node_exporter textfile collector), atomically.", valueName: "file"))
    var metrics: String?

    @Flag(help: "Send job start/end, failing findings and the chain head after each heartbeat to syslog (RFC 5424, authpriv).")
    var syslog = false

    @Option(help: ArgumentHelp("The syslog socket for --syslog.", valueName: "path"))
    var syslogSocket: String = "/dev/log"

    @Option(help: ArgumentHelp("A full audit record at start and this often.", valueName: "duration"))
    var fullEvery: String = "1h"

    @Option(name: .customLong("key-epoch"), help: ArgumentHelp("With epoch keys (keygen): a new signing key at start and this often; the old one is erased.", valueName: "duration"))
    var keyEpoch: String = "1h"

    @Option(help: ArgumentHelp("A heartbeat record every this many cycles.", valueName: "n"))
    var heartbeatEvery: Int = 10

    @OptionGroup var procRootOption: ProcRootOption
    var procRoot: String { procRootOption.procRoot }

    @OptionGroup var samplerOption: SamplerOption
    var sampler: SamplerChoice { samplerOption.sampler }

    @Flag(help: "Do not load the BPF process event source (fork/exec/exit tracepoints): only what each sample sees is recorded.")
    var noProcessEvents = false

    @Option(help: ArgumentHelp("The process event source's ring buffer in KiB (a power of two, at least 4).", valueName: "KiB"))
    var eventRingKib: Int = ProcessEventSource.defaultRingBytes / 1024

    @Option(help: ArgumentHelp("Record what the process event source saw as soon as this many events wait, without sampling the node (1 to 250000; the processes of a payload are recorded then, the rest with the next sample).", valueName: "n"))
    var eventFlush: Int = 100_000

    @Flag(help: "Print the syscalls the seccomp filter allows (resolved by libseccomp) and exit.")
    var printFilter = false

    @Option(help: ArgumentHelp("Run as this user after start-up (default isotrace; when it does not exist and --user is not given, the daemon warns and stays root). DIR must belong to it.", valueName: "name"))
    var user: String?

    @Flag(help: "Do not drop capabilities nor install the seccomp filter (warns on stderr).")
    var noConfine = false

    @Flag(help: "Do not update DIR/index.sqlite after each cycle.")
    var noIndex = false

    @Flag(help: "Log every cycle.")
    var verbose = false

    @Option(help: ArgumentHelp("After each cycle, ship new records to this central PostgreSQL database (isotrace ship); a backlog stays on disk while it is down.", valueName: "url"))
    var sink: String?

    @Option(help: ArgumentHelp("With --sink: file whose first line is the database password (mode 0600).", valueName: "file"))
    var passwordFile: String?

    func validate() throws {
        guard let interval = DurationText(interval), interval.milliseconds >= 100 else {
            throw ValidationError("--interval must be a duration of at least 100ms (500ms, 30s, 5m, 1h)")
        }
        _ = interval
        guard DurationText(fullEvery) != nil else { throw ValidationError("--full-every must be a duration (30m, 1h, 1d)") }
        guard let epoch = DurationText(keyEpoch), epoch.milliseconds >= 1_000 else {
            throw ValidationError("--key-epoch must be a duration of at least 1s (15m, 1h, 1d)")
        }
        _ = epoch
        guard heartbeatEvery >= 1 else { throw ValidationError("--heartbeat-every must be at least 1") }
        guard eventRingKib >= 4, eventRingKib.nonzeroBitCount == 1, eventRingKib <= 1 << 20 else {
            throw ValidationError("--event-ring-kib must be a power of two from 4 to 1048576")
        }
        guard (1...250_000).contains(eventFlush) else { throw ValidationError("--event-flush must be from 1 to 250000") }
    }

    func run() throws {
        let sinkConnector = try sink.map { try SinkAccess.connector(url: $0, passwordFile: passwordFile) }
        let sinkAccess: SeccompFilter.SinkAccess = sinkConnector.map { $0.url.socketDirectory == nil ? .network : .unixSocket } ?? .none
        if printFilter {
            FileOutput.standardOutput.write(SeccompFilter.describe(sink: sinkAccess).joined(separator: "\n") + "\n")
            FileOutput.standardOutput.write("default action: ERRNO(EPERM); execve, execveat, ptrace, kill and non-AF_UNIX sockets are refused\n")
            return
        }
        DaemonLoop.blockSignals()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .info
            return EscapingLogHandler(wrapping: handler)
        }
        let logger = Logger(label: "isotrace")
        guard let policyPath = PolicyLocation.resolve(policy) else {
            _ = try PolicyLocation.load(policy)  // prints why and exits 2
            return
        }
        let loaded = try PolicyLocation.load(policyPath)
        var configuration = DaemonConfiguration(
            policyPath: policyPath, outputDirectory: out, keyPath: key ?? KeyPairFiles(outputDirectory: out).privateKeyPath)
        configuration.interval = DurationText(interval)!
        configuration.fullEvery = DurationText(fullEvery)!
        configuration.keyEpoch = DurationText(keyEpoch)!
        configuration.heartbeatEvery = heartbeatEvery
        configuration.eventFlush = eventFlush
        configuration.metricsPath = metrics
        configuration.syslogSocket = syslog ? syslogSocket : nil
        configuration.procRoot = procRoot
        configuration.confine = !noConfine
        configuration.updateIndex = !noIndex
        configuration.sink = sinkConnector
        configuration.version = Isotrace.version

        // The process event source: loading, attaching and mapping its ring buffer need
        // privileges; reading it afterwards needs only epoll_wait (and bpf's map lookup for its
        // count). It loads on a thread of its own while this one loads the sampler (each BPF
        // object has libbpf parse the kernel's BTF, ~60-100 ms on a busy node), and the lineage
        // is read there after its programs are attached: every process started since has its
        // fork in the ring. Both are joined before the capabilities are dropped.
        let ringBytes = eventRingKib * 1024, procRoot = procRoot
        let events = noProcessEvents ? nil : BackgroundThread { () -> (ProcessEventSource?, String?, [ProcessLineage.Link]) in
            do throws(TaskIteratorError) {
                let source = try ProcessEventSource.open(ringBytes: ringBytes)
                return (source, nil, ProcessLineage.read(procRoot: procRoot))
            } catch {
                return (nil, error.reason, [])
            }
        }
        // Loaded before confinement: loading BPF needs capabilities the daemon then drops.
        let chosen: Sampler
        do {
            chosen = try SamplerStartup.choose(sampler, procRoot: procRoot)
        } catch {
            _ = events?.join()
            throw error
        }
        let (eventSource, eventsUnavailable, lineage) = events?.join() ?? (nil, "turned off (--no-process-events)", [])
        // The user switch comes before the key and the lock, so that the state directory is
        // checked against the user who will write it (Syscalls.checkPrivateDirectory).
        let account = configuration.confine ? try ServiceUser.resolve(user, logger: logger) : nil
        if configuration.confine {
            do {
                try SelfConfinement.dropPrivileges(user: account)
            } catch {
                logger.critical("refusing to run: \(error)")
                throw ExitCodeError.operational
            }
            if let account, account.uid != 0 {
                try ServiceUser.checkOwnership(of: out, account: account)
            }
        }

        let signer: ChainSigner
        do {
            let choice = try ChainSignerChoice.resolve(outputDirectory: out, keyPath: key)
            signer = choice.signer
            if let warning = choice.warning { logger.warning("\(warning)") }
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error) (create one with: isotrace keygen --out \(out))\n")
            throw ExitCodeError.operational
        }
        let lock: DaemonLock
        do {
            lock = try DaemonLock.acquire(outputDirectory: out)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        defer { lock.release() }

        let loop = DaemonLoop(configuration: configuration, policy: loaded, signer: signer, logger: logger, sampler: chosen,
                              processEvents: eventSource.map { ProcessEventCollector(source: $0) }, processEventsUnavailable: eventsUnavailable,
                              lineage: lineage)
        loop.prepare()
        if configuration.confine {
            // Asked before the filter, which refuses landlock_create_ruleset.
            let landlock = SelfConfinement.landlockDecision()
            do {
                var outcome = try SelfConfinement.installFilters(sink: sinkAccess)
                outcome.userName = account?.name ?? "root"
                outcome.landlock = landlock
                let refused = sinkAccess == .network ? "execve/ptrace refused, AF_INET/AF_INET6 allowed for --sink" : "execve/ptrace/AF_INET refused"
                logger.info("confinement verified: user \(outcome.userName ?? "?") (uid \(outcome.uid), gid \(outcome.gid)), CapEff \(Capability.hex(outcome.effective)) (\(SelfConfinement.kept.map(\.name).joined(separator: ", "))), seccomp allowlist of \(SeccompFilter.allowedCount(sink: sinkAccess)) syscalls, \(refused), prlimit64 on itself only")
                logger.info("\(outcome.landlock.summary)")
                loop.confinement = outcome.json
                // One read of the ring buffer and its lost-event counter under the filter, as the reading thread will do.
                if let problem = loop.processEvents?.check() {
                    loop.disableProcessEvents("not readable under the seccomp filter: \(problem)")
                }
            } catch {
                logger.critical("refusing to run: \(error)")
                throw ExitCodeError.operational
            }
        } else {
            FileOutput.standardError.write("isotrace: warning: --no-confine: running with every capability and no seccomp filter\n")
        }
        if let summary = loop.processEventsSummary {
            if loop.processEvents == nil { logger.warning("\(summary)") } else { logger.info("\(summary)") }
        }
        logger.info("started: pid \(Syscalls.processID()), interval \(configuration.interval), policy \(loaded.id) \(loaded.version) (\(policyPath)), records in \(out)/records\(sinkConnector.map { ", shipped to \($0.url.redacted)" } ?? "")")
        let code = loop.run()
        if code != 0 { throw ExitCode(code) }
    }
}

/// `isotrace confinement-probe`: installs the daemon's confinement in this process and tries
/// what it must refuse (for the tests; hidden).
struct ConfinementProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confinement-probe", abstract: "Install the daemon's confinement and try what it must refuse.", shouldDisplay: false)

    @Option(help: "PID to try ptrace(PTRACE_ATTACH) and prlimit on.")
    var ptracePID: Int32

    @Option(help: "Switch to this user as the daemon does (default: stay who started it).")
    var user: String?

    @Option(help: "Apply the daemon's Landlock ruleset with this state directory (and DIR/policy.yaml as its policy).")
    var landlockStateDir: String?

    @Option(help: "With --landlock-state-dir: a file outside it to try to create (removed if it ever is).")
    var landlockOutsideFile: String?

    func run() throws {
        var account: UserAccount?
        if let user {
            guard let found = try Syscalls.userAccount(named: user) else {
                FileOutput.standardError.write("isotrace: error: no user \(user)\n")
                throw ExitCodeError.operational
            }
            account = found
        }
        let landlock = landlockStateDir.map {
            ConfinementProbe.LandlockTrial(stateDirectory: $0, policyPath: $0 + "/policy.yaml",
                                           outsideFile: landlockOutsideFile ?? "/etc/isotrace-landlock-probe-\(Syscalls.processID())")
        }
        do {
            try ConfinementProbe.run(ptracePID: ptracePID, user: account, landlock: landlock) { name, outcome in
                FileOutput.standardOutput.write("\(name)=\(outcome)\n")
            }
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
    }
}
