import Foundation
import TestSupport
import Testing

extension Live {
    /// `simulate --payload-command` with commands that are not the built-in two-process payloads.
    @Suite(.rootForSimulate, .simulateTools)
    struct SimulatePayloadCommandTests {
        @Test("a one-process payload command (bash execs it) gets ready")
        func singleProcessPayload() throws {
            let simulation = try LiveSimulation("leaky", payloadCommand: "sleep 120")
            defer { simulation.stop() }
            let job = try simulation.job("leaky")
            #expect(job.payloadPIDs.count == 1)
            let comm = try String(contentsOfFile: "/proc/\(job.payloadPIDs[0])/comm", encoding: .utf8)
            #expect(comm == "sleep\n")
        }

        @Test("a payload command that exits at once: the error quotes its stderr, not a removed directory")
        func payloadThatExits() throws {
            let child = try ChildProcess([try IsotraceBinary.path(), "simulate", "leaky", "--hold", "30",
                                          "--pilot-uid", String(SimulationRequirements.pilotUID),
                                          "--payload-uid", String(SimulationRequirements.payloadUID),
                                          "--payload-command", "echo 'no input file' >&2; exit 3"])
            defer { child.stop() }
            let exited = child.waitFor { child.hasExited ? true : nil }
            #expect(exited == true, "simulate did not exit within the wait")
            #expect(child.exitCode != 0)
            let message = child.stderrText
            #expect(message.contains("payload (PID "), "\(message)")
            #expect(message.contains("no input file"), "\(message)")
            #expect(!message.contains("(see /var/tmp/isotrace-simulate"), "\(message)")
            #expect(!FileManager.default.fileExists(atPath: "/var/tmp/isotrace-simulate-\(child.pid)"))
        }
    }
}
