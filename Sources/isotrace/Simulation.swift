import Base
import Foundation
import ProcFS

/// Starts pilot-shaped process trees on this node, reports them, and removes every process and
/// file it made (by PID and process group, never by name).
final class Simulation {
    struct Started {
        var mode: SimulationMode
        var pilot: Process
        var payloadPIDs: [Int32]
    }

    let directory: URL
    let pilotUID: UInt32
    let payloadUID: UInt32
    let hold: Int
    /// Replaces the mode's payload command (one mode only).
    let payloadCommand: String?
    private(set) var started: [Started] = []

    init(directory: URL, pilotUID: UInt32, payloadUID: UInt32, hold: Int, payloadCommand: String? = nil) {
        self.directory = directory
        self.pilotUID = pilotUID
        self.payloadUID = payloadUID
        self.hold = hold
        self.payloadCommand = payloadCommand
    }

    /// Writes the pilot program and, per mode, a plan, a proxy file and a work directory owned by
    /// the pilot's uid; then starts the pilots and waits until their payloads run.
    func start(_ modes: [SimulationMode]) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let script = directory.appendingPathComponent("pilot3/pilot.py")
        try fileManager.createDirectory(at: script.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try SimulatedPilotScript.source.write(to: script, atomically: true, encoding: .utf8)
        try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)

        for mode in modes {
            let uid = mode.pilotRunsAsRoot ? 0 : pilotUID
            let work = directory.appendingPathComponent(mode.rawValue)
            try fileManager.createDirectory(at: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let proxy = work.appendingPathComponent("x509up_u\(uid)")
            try "-----BEGIN CERTIFICATE-----\nisotrace simulated proxy, not a credential\n-----END CERTIFICATE-----\n"
                .write(to: proxy, atomically: true, encoding: .utf8)
            try fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: proxy.path)
            let plan: [String: Any] = [
                "workdir": work.path,
                "jobs": [["panda_id": mode.pandaID, "task_id": mode.taskID, "owner_dn": SimulationMode.ownerDN, "command": payloadCommand ?? mode.payloadCommand(payloadUID: payloadUID, hold: hold)]],
            ]
            let planFile = work.appendingPathComponent("plan.json")
            try JSONSerialization.data(withJSONObject: plan).write(to: planFile)
            for path in [work.path, proxy.path, planFile.path] {
                do {
                    try Syscalls.changeOwner(path, uid: uid, gid: uid)
                } catch {
                    throw SimulationError("cannot give \(path) to uid \(uid): \(error.errno)")
                }
            }
            let pilot = Process()
            var arguments = ["/usr/bin/python3", script.path, "-q", "ISOTRACE_SIMULATION", "--pilot-user", "generic", "--plan", planFile.path]
            if uid != 0 {
                arguments = ["/usr/bin/setpriv", "--reuid", "\(uid)", "--regid", "\(uid)", "--clear-groups", "--"] + arguments
            }
            pilot.executableURL = URL(fileURLWithPath: arguments[0])
            pilot.arguments = Array(arguments.dropFirst())
            pilot.currentDirectoryURL = work
            pilot.environment = [
                "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": work.path, "LANG": "C.UTF-8",
                "X509_USER_PROXY": proxy.path, "GTAG": "isotrace-simulate-\(mode.rawValue)",
            ]
            pilot.standardInput = FileHandle.nullDevice
            pilot.standardOutput = FileHandle.nullDevice
            try pilot.run()
            started.append(Started(mode: mode, pilot: pilot, payloadPIDs: []))
        }
        for index in started.indices {
            started[index].payloadPIDs = try waitForPayloads(of: started[index])
        }
    }

    /// The pilot writes its payloads' PIDs once started. A built-in payload is up when it has its
    /// two children. A `--payload-command` may be a single process (bash execs a lone command), so
    /// it is up at two children or, failing that, after two seconds alive.
    private func waitForPayloads(of run: Started) throws -> [Int32] {
        let state = directory.appendingPathComponent("\(run.mode.rawValue)/payloads")
        let settleRounds = payloadCommand == nil ? Int.max : 40
        var roundsWithPIDs = 0
        for _ in 0..<200 {
            if !run.pilot.isRunning { throw SimulationError("the \(run.mode.rawValue) pilot exited (status \(run.pilot.terminationStatus))") }
            if let data = try? Data(contentsOf: state), let pids = try? JSONSerialization.jsonObject(with: data) as? [Int] {
                let roots = pids.map(Int32.init)
                if roots.allSatisfy({ ProcessChildren.descendantCount(of: $0) >= 2 }) { return roots }
                if let ended = roots.first(where: { !Self.isRunning($0) }) {
                    throw SimulationError("the \(run.mode.rawValue) payload (PID \(ended)) ended before the simulation was ready\(payloadErrorTail(of: run))")
                }
                roundsWithPIDs += 1
                if roundsWithPIDs >= settleRounds { return roots }
            }
            Syscalls.sleep(milliseconds: 50)
        }
        throw SimulationError("the \(run.mode.rawValue) payload did not start within 10 s\(payloadErrorTail(of: run))")
    }

    /// False once `pid` is gone or a zombie (the pilot has not reaped it yet).
    private static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }

    /// The end of the payload's stderr, read before `stop` removes the directory, so the error
    /// says why without pointing at a directory that no longer exists.
    private func payloadErrorTail(of run: Started) -> String {
        let work = directory.appendingPathComponent(run.mode.rawValue)
        guard let homes = try? FileManager.default.contentsOfDirectory(atPath: work.path) else { return "" }
        for home in homes where home.hasPrefix("PanDA_Pilot3_") {
            let file = work.appendingPathComponent("\(home)/PanDA_Pilot-\(run.mode.pandaID)/payload.stderr")
            guard let data = try? Data(contentsOf: file), !data.isEmpty else { continue }
            let tail = String(decoding: data.suffix(400), as: UTF8.self).trimmingCharacters(in: .newlines)
            return "; the payload's stderr ended with: \(PrintableText.escape(tail))"
        }
        return "; the payload wrote nothing to stderr"
    }

    /// Ends every payload (by its process group: each leads its own session) and pilot, then
    /// removes the directory. Safe to call twice.
    func stop() {
        for run in started {
            for pid in run.payloadPIDs { try? Syscalls.sendSignal(SIGKILL, toGroup: pid) }
            if run.pilot.isRunning { try? Syscalls.sendSignal(SIGKILL, to: run.pilot.processIdentifier) }
            run.pilot.waitUntilExit()
        }
        started = []
        try? FileManager.default.removeItem(at: directory)
    }
}

struct SimulationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
