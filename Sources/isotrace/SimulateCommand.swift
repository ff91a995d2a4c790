import Base
import ArgumentParser
import Foundation

/// `isotrace simulate`: real pilot-shaped trees in chosen isolation, so a site can prove on its
/// own nodes that a leaky set-up is caught (as an event generator proves a detector).
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Start pilot-shaped process trees (isolated, leaky, userns) to prove the audit catches a leak.",
        discussion: """
            Needs root (it starts payloads under another uid and in new namespaces) and python3, \
            bubblewrap and util-linux. Prints one line per job, then "ready", holds, and removes \
            every process and file it made on exit, SIGINT or SIGTERM. PanDA IDs: isolated \
            9100000001, leaky 9100000002, userns 9100000003. The isolated pilot runs as root: only \
            a privileged pilot can give its payload another uid.
            """
    )

    enum Which: String, ExpressibleByArgument, CaseIterable {
        case isolated, leaky, userns, all
    }

    @Argument(help: "Which set-up: isolated, leaky, userns or all.")
    var which: Which = .all

    @Option(help: ArgumentHelp("Seconds to hold the trees before cleaning up.", valueName: "seconds"))
    var hold: Int = 600

    @Option(help: ArgumentHelp("Work directory (removed at the end).", valueName: "dir"))
    var dir: String?

    @Option(help: "uid of the simulated (non-root) pilots; must not belong to an account.")
    var pilotUID: UInt32 = 64901

    @Option(help: "uid of the isolated payload; must not belong to an account.")
    var payloadUID: UInt32 = 64902

    @Option(help: ArgumentHelp(
        "Replace the payload's command (run by the pilot as bash -c in the job directory), for one set-up only: to build a particular violation.",
        valueName: "command"))
    var payloadCommand: String?

    func validate() throws {
        guard hold > 0 else { throw ValidationError("--hold must be positive") }
        if payloadCommand != nil && which == .all { throw ValidationError("--payload-command needs one set-up: isolated, leaky or userns") }
        for uid in [pilotUID, payloadUID] where getpwuid(uid) != nil {
            throw ValidationError("uid \(uid) belongs to an account; choose unused uids with --pilot-uid / --payload-uid")
        }
    }

    func run() throws {
        let modes = which == .all ? SimulationMode.allCases : [SimulationMode(rawValue: which.rawValue)!]
        guard Syscalls.effectiveUserID() == 0 else {
            FileOutput.standardError.write("isotrace: error: simulate needs root (payloads under another uid, new namespaces)\n")
            throw ExitCodeError.operational
        }
        let missing = (["/usr/bin/python3"] + modes.flatMap(\.tools)).filter { !Syscalls.isExecutable($0) }
        guard missing.isEmpty else {
            FileOutput.standardError.write("isotrace: error: simulate needs \(missing.joined(separator: ", ")) (make deps installs them)\n")
            throw ExitCodeError.operational
        }
        let directory = URL(fileURLWithPath: dir ?? "/var/tmp/isotrace-simulate-\(Syscalls.processID())")
        let simulation = Simulation(directory: directory, pilotUID: pilotUID, payloadUID: payloadUID, hold: hold,
                                    payloadCommand: payloadCommand)
        let stopSignals = SignalWaiter(signals: [SIGINT, SIGTERM, SIGHUP])
        do {
            try simulation.start(modes)
        } catch {
            simulation.stop()
            FileOutput.standardError.write("isotrace: error: simulate: \(error)\n")
            throw ExitCodeError.operational
        }
        for run in simulation.started {
            let pilotUID = run.mode.pilotRunsAsRoot ? 0 : pilotUID
            FileOutput.standardOutput.write("\(run.mode.rawValue)  panda_id=\(run.mode.pandaID)  pilot_pid=\(run.pilot.processIdentifier)  "
                + "pilot_uid=\(pilotUID)  payload_pid=\(run.payloadPIDs.map(String.init).joined(separator: ","))\n")
        }
        FileOutput.standardOutput.write("ready: holding \(hold) s; run 'isotrace audit' now (Ctrl-C ends the simulation)\n")
        let signal = stopSignals.wait(seconds: hold)
        simulation.stop()
        FileOutput.standardError.write("isotrace: simulation ended\(signal.map { " by signal \($0)" } ?? ""), processes and \(directory.path) removed\n")
    }
}

/// Waits for one of `signals` (blocked and taken with sigtimedwait, so no handler runs at an
/// awkward moment) or for a timeout.
struct SignalWaiter {
    private let signals: [Int32]

    init(signals: [Int32]) {
        self.signals = signals
        Syscalls.blockSignals(signals)
    }

    /// The signal that arrived, or nil when the time ran out.
    func wait(seconds: Int) -> Int32? {
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        while Date() < deadline {
            let timeout = min(1, Int(deadline.timeIntervalSinceNow.rounded(.up)))
            if let signal = Syscalls.waitForSignal(signals, milliseconds: Int64(timeout) * 1000) { return signal }
        }
        return nil
    }
}
