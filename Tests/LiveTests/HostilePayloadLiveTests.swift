import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Live {
    /// Issue 21, findings 1, 2 and 4, reproduced as an attacker would: real pilots from
    /// `isotrace simulate`, payloads that `cd` away, plant the pilot's files, `exec env` their own
    /// PILOT_HOME and batch ID, and put terminal control sequences in their argv and environment.
    @Suite(.rootForSimulate, .simulateTools)
    struct HostilePayloadLiveTests {
        /// Waits (up to 10 s) until `pid`'s working directory is `path`.
        static func waitForCwd(_ pid: Int, _ path: String) -> Bool {
            for _ in 0..<1000 {
                if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) == path { return true }
                usleep(10_000)
            }
            return false
        }

        /// Finding 1: `cd /tmp` after two seconds no longer hides the job. It stays listed (by the
        /// environment the pilot gave the root at exec), and TRACE-ATTR says its root left.
        @Test("a payload root that cds out of its job directory stays its job (TRACE-ATTR warns)")
        func cdDoesNotHideTheJob() throws {
            let simulation = try LiveSimulation("leaky", payloadCommand: "sleep 2 & sleep 2; cd /tmp; sleep 150 & sleep 150; wait")
            defer { simulation.stop() }
            let simulated = try simulation.job("leaky")
            let root = try #require(simulated.payloadPIDs.first)
            try #require(Self.waitForCwd(root, "/tmp"), "the payload root (pid \(root)) did not cd to /tmp")
            let audit = try AuditDocument.run()
            let job = try audit.job(simulated)
            #expect(job.processPIDs.contains(root), "\(job.processPIDs)")
            #expect(job.json["root_recognition"] as? String == "exec_environment")
            #expect(job.isolated == false, "the leaky set-up is not isolated: \(job.summary)")
            let attribution = try job.finding("TRACE-ATTR")
            #expect(attribution.status == "warn", "\(attribution.description)")
            #expect(attribution.pid == root && attribution.evidence["cwd"] as? String == "/tmp", "\(attribution.description)")
            let check = try IsotraceBinary.run(["check", "--policy", SimulationRequirements.basePolicy])
            #expect(check.stdout.hasPrefix("ISOTRACE CRITICAL"), "a not-isolated job is on the node: \(check.description)")
        }

        /// Finding 2: the simulated pilot logs the real owner in its PILOT_HOME, which only the pilot
        /// (root) can write: that DN is evidence.
        @Test("the owner DN from the pilot's own log, which no payload can write or replace, is evidence")
        func pilotWrittenOwnerIsEvidence() throws {
            let simulation = try LiveSimulation("isolated")
            defer { simulation.stop() }
            let job = try AuditDocument.run().job(try simulation.job("isolated"))
            let owner = try #require(job.json["owner"] as? [String: Any], "no owner: \(job.json.keys.sorted())")
            #expect(owner["dn"] as? String == "/DC=org/DC=isotrace/OU=simulate/CN=Simulated Submitter")
            #expect((owner["source"] as? String)?.hasSuffix("/pilotlog.txt") == true)
            #expect(owner["payload_writable"] as? Bool == false, "\(owner)")
        }

        /// Finding 2 reproduced: the payload plants a 0444 pilotlog.txt and base_trace_report.json
        /// naming an innocent user in its job directory, then `exec env PILOT_HOME=$PWD`, with a
        /// batch ID of its own carrying an escape sequence. The innocent DN is never evidence, and
        /// the batch ID is not the payload's.
        @Test("a planted pilotlog.txt and exec env PILOT_HOME=... give no evidence DN; the batch ID is not the payload's")
        func plantedOwnerIsNoEvidence() throws {
            let innocent = "/DC=ch/DC=cern/OU=Users/CN=innocent/CN=Innocent Bystander"
            let pandaID = "9100000002"
            let command = "printf \"job definition = {'PandaID': \(pandaID), 'prodUserID': '\(innocent)', 'taskID': 910000}\\n\" > pilotlog.txt; "
                + "printf '{\"usrdn\": \"\(innocent)\", \"appid\": \(pandaID)}' > base_trace_report.json; "
                + "chmod 444 pilotlog.txt base_trace_report.json; "
                + "exec env PILOT_HOME=\"$PWD\" SLURM_JOB_ID=\"$(printf '4242\\033[2J')\" HTCondor_Job_ID=forged.0 /bin/bash -c 'sleep 150 & sleep 150; wait'"
            let simulation = try LiveSimulation("leaky", payloadCommand: command)
            defer { simulation.stop() }
            let simulated = try simulation.job("leaky")
            let job = try AuditDocument.run().job(simulated)
            let owner = try #require(job.json["owner"] as? [String: Any], "the pilot's own log names the owner")
            #expect(!(owner["dn"] as? String == innocent && owner["payload_writable"] as? Bool == false), "a planted DN shown as evidence: \(owner)")
            // The pilot's real log (its PILOT_HOME is its cwd), written with the payload's uid: a claim.
            #expect(owner["dn"] as? String == "/DC=org/DC=isotrace/OU=simulate/CN=Simulated Submitter", "\(owner)")
            #expect(owner["payload_writable"] as? Bool == true, "leaky: the payload runs as the log's owner: \(owner)")
            #expect((owner["claim_reason"] as? String)?.contains("owns") == true, "\(owner)")
            let batch = job.json["batch_job_id"] as? [String: Any]
            #expect(batch?["value"] as? String != "4242\u{1B}[2J" && batch?["value"] as? String != "forged.0",
                    "the batch ID came from the payload's environment: \(String(describing: batch).debugDescription)")
        }

        /// The hostile text of finding 4: a screen clear, OSC 52 (clipboard), OSC 0 (title), and
        /// newlines that would forge a JOB line and a pass line.
        static let hostile = "1\u{1B}[2J\u{1B}]52;c;ZXZpbA==\u{07}\u{1B}]0;pwned\u{07}\nJOB 7700000009  task 1  ISOLATED\n  pass  ISO-UID ISO-PIDNS"
        static let hostileShell = #"$(printf '1\033[2J\033]52;c;ZXZpbA==\007\033]0;pwned\007\nJOB 7700000009  task 1  ISOLATED\n  pass  ISO-UID ISO-PIDNS')"#

        /// No control byte but newline, and no line the payload wrote.
        static func expectInert(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let controls = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
            #expect(controls.isEmpty, "\(what): raw control characters \(controls.map { String($0.value, radix: 16) })", sourceLocation: sourceLocation)
            let lines = text.split(separator: "\n")
            #expect(!lines.contains { $0.hasPrefix("JOB 7700000009") }, "\(what): a forged JOB line", sourceLocation: sourceLocation)
            #expect(!lines.contains { $0 == "  pass  ISO-UID ISO-PIDNS" }, "\(what): a forged pass line", sourceLocation: sourceLocation)
        }

        /// Finding 4: hostile task ID, argv and batch ID come out escaped on audit's table,
        /// snapshot's table, check's line and query's table.
        @Test("ESC[2J, OSC 52, OSC 0 and newlines in argv and task come out escaped on every table")
        func hostileTextIsEscapedOnEveryTable() throws {
            let command = "T=\(Self.hostileShell); exec env \"PanDA_TaskID=$T\" \"SLURM_JOB_ID=$T\" /bin/bash -c 'sleep 150 & sleep 150; wait' \"$T\""
            let simulation = try LiveSimulation("leaky", payloadCommand: command)
            defer { simulation.stop() }
            let simulated = try simulation.job("leaky")
            let root = try #require(simulated.payloadPIDs.first)

            let table = try IsotraceBinary.run(["audit", "--policy", SimulationRequirements.basePolicy])
            #expect(table.status == 1, "\(table.status)")
            Self.expectInert(table.stdout, "audit table")
            #expect(table.stdout.contains("task 1\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07\\x1b]0;pwned\\x07\\nJOB 7700000009"), "the task ID, escaped")
            let json = try AuditDocument.run().job(simulated)
            #expect(json.json["task_id"] as? String == Self.hostile, "JSON keeps the value (JSON escapes it by itself)")

            let snapshot = try IsotraceBinary.run(["snapshot", "--pid", String(root)])
            #expect(snapshot.status == 0, "\(snapshot.description)")
            Self.expectInert(snapshot.stdout, "snapshot table")
            #expect(snapshot.stdout.contains("\\x1b]52;c;ZXZpbA==\\x07"), "\(snapshot.stdout)")

            let check = try IsotraceBinary.run(["check", "--policy", SimulationRequirements.basePolicy])
            Self.expectInert(check.stdout, "check line")

            let directory = try TestDirectory("isotrace-live-hostile").url
            defer { try? FileManager.default.removeItem(at: directory) }
            let out = directory.path
            let keygen = try IsotraceBinary.run(["keygen", "--out", out])
            try #require(keygen.status == 0, "\(keygen.description)")
            let record = try IsotraceBinary.run(["audit", "--record", "--out", out, "--format", "json", "--policy", SimulationRequirements.basePolicy])
            try #require(record.status == 1, "\(record.description)")
            let query = try IsotraceBinary.run(["query", "--panda-id", simulated.pandaID, "--out", out])
            #expect(query.status == 0, "\(query.description)")
            Self.expectInert(query.stdout, "query table")
            Self.expectInert(query.stderr, "query's messages")
            #expect(query.stdout.contains("\\x1b[2J"), "the hostile text is shown, escaped: \(query.stdout.prefix(600))")
        }

        /// Finding 4: the UNATTRIBUTED section escapes the process's argv and its claimed PanDA ID.
        @Test("an OSC 52 in an unattributed process's argv and PANDAID comes out escaped")
        func unattributedSectionIsEscaped() throws {
            let osc52 = "\u{1B}]52;c;ZXZpbA==\u{07}"
            let orphan = try ChildProcess.execingSleep(["/bin/bash", "-c", "exec -a \"$0\" /bin/sleep 150", "x\(osc52)\nJOB 7700000009  task 1  ISOLATED"],
                                                       environment: ["PANDAID": "9100000088\(osc52)", "PATH": "/usr/bin:/bin"])
            defer { orphan.stop() }
            let table = try IsotraceBinary.run(["audit", "--policy", SimulationRequirements.basePolicy])
            Self.expectInert(table.stdout, "audit table with an unattributed process")
            let line = table.stdout.split(separator: "\n").first { $0.hasPrefix("  \(orphan.pid)  claims") }
            #expect(line?.contains("claims 9100000088\\x1b]52;c;ZXZpbA==\\x07") == true, "\(String(describing: line))")
        }
    }
}
