import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Live {
    /// The failing (and special passing) case of each rule that `simulate all` does not show, each
    /// on a real tree built by `isotrace simulate <mode> --payload-command ...` or by the test.
    @Suite(.rootForSimulate, .simulateTools)
    struct RuleCaseTests {
        /// The isolated set-up's bwrap + setpriv wrapper (SimulationMode.isolated) around `command`.
        static func isolatedWrapper(_ command: String) -> String {
            "exec bwrap --unshare-pid --unshare-ipc --dev-bind / / --tmpfs /tmp --proc /proc --die-with-parent -- "
                + "setpriv --reuid \(SimulationRequirements.payloadUID) --regid \(SimulationRequirements.payloadUID) --clear-groups "
                + "--no-new-privs --inh-caps=-all --bounding-set=-all -- \(command)"
        }

        @Test("PRIV-CAPS and ISO-UID fail: the isolated (root) pilot runs its payload as root without a container")
        func rootPayload() throws {
            let simulation = try LiveSimulation("isolated", payloadCommand: "sleep 120 & sleep 120; wait")
            defer { simulation.stop() }
            let job = try AuditDocument.run().job(try simulation.job("isolated"))
            let caps = try job.finding("PRIV-CAPS")
            #expect(caps.status == "fail", "\(caps.description)")
            #expect(caps.evidence["user_ns"] as? Int == 0xEFFF_FFFD, "the initial user namespace: \(caps.evidence)")
            #expect((caps.evidence["cap_eff"] as? String).flatMap { UInt64($0, radix: 16) }.map { $0 != 0 } == true, "\(caps.evidence)")
            #expect(job.processPIDs.contains(caps.pid ?? -1))
            let uid = try job.finding("ISO-UID")
            #expect(uid.status == "fail", "\(uid.description)")
            #expect(uid.evidence["pilot_uid"] as? Int == 0 && uid.evidence["payload_uid"] as? Int == 0)
            #expect(job.isolated == false)
        }

        @Test("PRIV-CAPS passes with capabilities only inside a child user namespace (unshare --map-root-user)")
        func capabilitiesInChildUserNamespace() throws {
            let simulation = try LiveSimulation(
                "userns", payloadCommand: "exec unshare --user --map-root-user --mount --ipc -- /bin/bash -c 'sleep 120 & sleep 120; wait'")
            defer { simulation.stop() }
            let job = try AuditDocument.run().job(try simulation.job("userns"))
            let caps = try job.finding("PRIV-CAPS")
            #expect(caps.status == "pass", "\(caps.description)")
            let held = caps.evidence["capabilities"] as? [String] ?? []
            #expect(!held.isEmpty && held.allSatisfy { $0.contains("in user ns") && !$0.contains("in user ns \(0xEFFF_FFFD)") }, "\(caps.evidence)")
            // Those capabilities do not reach the pilot's (initial) user namespace: no ptrace, and
            // only the world-readable /proc entries; the proxy is still readable (its owner is mapped).
            #expect(job.status("ISO-PTRACE") == "pass", "\((try? job.finding("ISO-PTRACE").description) ?? "")")
            #expect(job.status("ISO-PROC") == "warn", "\((try? job.finding("ISO-PROC").description) ?? "")")
            #expect(job.status("ISO-CRED") == "fail", "\((try? job.finding("ISO-CRED").description) ?? "")")
            #expect(job.status("ISO-SIGNAL") == "fail", "\((try? job.finding("ISO-SIGNAL").description) ?? "")")
        }

        @Test("TRACE-ATTR fails for a payload process that claims another PanDA ID")
        func spoofedPandaID() throws {
            let simulation = try LiveSimulation("leaky", payloadCommand: "PANDAID=1234567890 sleep 120 & sleep 120; wait")
            defer { simulation.stop() }
            let simulated = try simulation.job("leaky")
            let audit = try AuditDocument.run()
            let job = try audit.job(simulated)
            let attribution = try job.finding("TRACE-ATTR")
            #expect(attribution.status == "fail", "\(attribution.description)")
            #expect(attribution.evidence["claimed_panda_id"] as? String == "1234567890")
            #expect(attribution.evidence["panda_id"] as? String == simulated.pandaID)
            #expect(job.processPIDs.contains(attribution.pid ?? -1), "the spoof stays in its root's job")
            #expect(job.processPIDs.count == 3, "bash and both sleeps: \(job.processPIDs)")
            #expect(!audit.jobs.contains { $0["panda_id"] as? String == "1234567890" }, "a claim is not believed")
        }

        @Test("TRACE-ATTR fails at node level for a process that claims a PanDA ID under no pilot")
        func unattributedProcess() throws {
            let claimed = "9100000077"
            let orphan = try ChildProcess.execingSleep(["/bin/sleep", "120"], environment: ["PANDAID": claimed, "PATH": "/usr/bin:/bin"])
            defer { orphan.stop() }
            let audit = try AuditDocument.run()
            let entry = audit.unattributed.first { $0["pid"] as? Int == Int(orphan.pid) }
            #expect(entry?["panda_id"] as? String == claimed, "pid \(orphan.pid) in unattributed: \(audit.unattributed.map { $0["pid"] ?? "?" })")
            let finding = audit.nodeFindings.first { $0["rule"] as? String == "TRACE-ATTR" }
            #expect(finding?["status"] as? String == "fail", "\(finding ?? [:])")
            let listed = (finding?["evidence"] as? [String: Any])?["processes"] as? [String] ?? []
            #expect(listed.contains { $0.hasPrefix("\(orphan.pid): \(claimed)") }, "\(listed)")
            #expect(!audit.jobs.contains { $0["panda_id"] as? String == claimed })
        }

        @Test("TRACE-CGROUP fails when the pilot moves to another name=systemd cgroup and the payload stays",
              .enabled(if: SimulationRequirements.hasSystemdCgroupV1, "needs the cgroup v1 name=systemd hierarchy at /sys/fs/cgroup/systemd"))
        func payloadOutsidePilotCgroup() throws {
            let root = SimulationRequirements.systemdCgroupRoot
            let simulation = try LiveSimulation("leaky")
            let simulated = try simulation.job("leaky")
            let name = "isotrace-test-\(getpid())-\(simulation.child.pid)"
            let directory = "\(root)/\(name)"
            defer {
                // Pilot back to the root cgroup if it still runs, the simulation ended, the cgroup removed.
                if kill(pid_t(simulated.pilotPID), 0) == 0 {
                    try? "\(simulated.pilotPID)\n".write(toFile: "\(root)/cgroup.procs", atomically: false, encoding: .utf8)
                }
                simulation.stop()
                if rmdir(directory) != 0 && errno != ENOENT {
                    Issue.record("cannot remove \(directory): \(String(cString: strerror(errno)))")
                }
            }
            let before = try AuditDocument.run().job(simulated).finding("TRACE-CGROUP")
            #expect(before.status == SimulationRequirements.cgroupVerdict, "\(before.description)")

            guard mkdir(directory, 0o755) == 0 else {
                Issue.record("mkdir \(directory): \(String(cString: strerror(errno)))")
                return
            }
            try "\(simulated.pilotPID)\n".write(toFile: "\(directory)/cgroup.procs", atomically: false, encoding: .utf8)
            let job = try AuditDocument.run().job(simulated)
            let finding = try job.finding("TRACE-CGROUP")
            #expect(finding.status == "fail", "\(finding.description)")
            // The pilot now holds the job in name=systemd; the payload stayed in its root there.
            #expect(finding.evidence["pilot_cgroup"] as? String == "/\(name)", "\(finding.evidence)")
            #expect(finding.evidence["payload_cgroup"] as? String == "/", "the payload stayed where it was: \(finding.evidence)")
            #expect((finding.evidence["hierarchy"] as? String)?.hasSuffix(":name=systemd") == true, "\(finding.evidence)")
            #expect(job.processPIDs.contains(finding.pid ?? -1), "the finding names a payload process: \(finding.description)")
            #expect(job.isolated == false, "the leaky job is still not isolated")
        }

        @Test("ISO-PTRACE fails while something traces the payload (strace inside the isolated container)",
              .enabled(if: SimulationRequirements.hasStrace, "needs /usr/bin/strace"))
        func tracedPayload() throws {
            let simulation = try LiveSimulation("isolated", payloadCommand: Self.isolatedWrapper("/usr/bin/strace -f -o /dev/null /bin/sleep 120"))
            defer { simulation.stop() }
            // simulate is ready when the payload has children; strace forks and attaches to sleep a
            // moment later (longer on a loaded machine): audit once the traced sleep is there.
            var job = try AuditDocument.run().job(try simulation.job("isolated"))
            func traced(_ job: AuditJob) -> Bool {
                job.processes.contains { ($0["comm"] as? String) == "sleep" && ($0["tracer_pid"] as? Int ?? 0) != 0 }
            }
            var tries = 0
            while !traced(job) && tries < 100 {
                usleep(100_000)
                job = try AuditDocument.run().job(try simulation.job("isolated"))
                tries += 1
            }
            let finding = try job.finding("ISO-PTRACE")
            #expect(finding.status == "fail", "\(finding.description)")
            let strace = job.processes.first { ($0["comm"] as? String) == "strace" }?["pid"] as? Int
            let sleep = job.processes.first { ($0["comm"] as? String) == "sleep" }?["pid"] as? Int
            #expect(strace != nil && finding.evidence["tracer_pid"] as? Int == strace, "tracer is the strace process \(strace ?? -1): \(finding.evidence)")
            #expect(sleep != nil && finding.evidence["traced_pid"] as? Int == sleep, "\(finding.evidence)")
            #expect(job.isolated == false)
            // Everything else about the container is as isolated as before.
            for rule in ["ISO-UID", "ISO-PIDNS", "ISO-CRED", "ISO-TMP", "PRIV-NNP", "PRIV-CAPS"] {
                #expect(job.status(rule) == "pass", "\(rule): \(job.summary)")
            }
        }

        @Test("exemption: a site policy exempting the transformation turns the leaky job's ISO-IPCNS failure into warn")
        func exemptionTurnsFailureIntoWarn() throws {
            let reason = "isotrace live test: sleep jobs share IPC with the pilot"
            let policy = try TemporaryPolicy(rules: """
                  - id: ISO-IPCNS
                    exemptions:
                      - transformations: ["*sleep 120*"]
                        reason: "\(reason)"
                """)
            defer { policy.remove() }
            let simulation = try LiveSimulation("leaky", hold: 120)
            defer { simulation.stop() }
            let simulated = try simulation.job("leaky")
            let exempt = try AuditDocument.run(policy: policy.path).job(simulated)
            let ipc = try exempt.finding("ISO-IPCNS")
            #expect(ipc.status == "warn", "\(ipc.description)")
            #expect(ipc.evidence["exemption"] as? String == reason)
            #expect(ipc.message.contains(reason))
            #expect(exempt.status("ISO-MNTNS") == "fail", "only the exempted rule changes: \(exempt.summary)")
            #expect(exempt.isolated == false)
            let base = try AuditDocument.run().job(simulated)
            #expect(base.status("ISO-IPCNS") == "fail", "without the exemption: \(base.summary)")
        }
    }

    /// NODE-* rules: once per audit, no simulation needed.
    @Suite(.enabled(if: LiveRequirements.isRoot, "needs root: the audit reads every process's namespaces and environment"))
    struct NodeRuleTests {
        @Test("NODE-SETUID warns about a setuid file on the policy's paths, passes for the default paths")
        func setuidRuntime() throws {
            let directory = try TestDirectory("isotrace-live-setuid").url
            defer { try? FileManager.default.removeItem(at: directory) }
            let starter = directory.appendingPathComponent("starter-suid").path
            try "#!/bin/sh\n".write(toFile: starter, atomically: true, encoding: .utf8)
            #expect(chmod(starter, 0o4755) == 0, "chmod u+s \(starter)")
            let policy = try TemporaryPolicy(rules: """
                  - id: NODE-SETUID
                    parameters:
                      paths: ["\(starter)", "\(directory.path)/absent-starter-suid"]
                """)
            defer { policy.remove() }
            let finding = try AuditDocument.run(policy: policy.path).nodeFinding("NODE-SETUID")
            #expect(finding["status"] as? String == "warn", "\(finding)")
            #expect((finding["evidence"] as? [String: Any])?["setuid"] as? [String] == [starter], "\(finding)")
            #expect((finding["message"] as? String ?? "").contains(starter))

            let base = try AuditDocument.run().nodeFinding("NODE-SETUID")
            let checked = (base["evidence"] as? [String: Any])?["checked"] as? [String] ?? []
            try #require(!checked.isEmpty, "default policy lists the setuid starter paths: \(base)")
            if checked.contains(where: AuditLiveTests.isSetUID) {
                try Test.cancel("a setuid container runtime is installed here: the default policy warns")
            }
            #expect(base["status"] as? String == "pass", "\(base)")
        }

        @Test("NODE-PTRACE fails without Yama (or with ptrace_scope 0)",
              .enabled(if: (SimulationRequirements.yamaPtraceScope ?? 0) < 1, "Yama ptrace_scope is at least 1 here: the pass case applies"))
        func ptraceScopeFails() throws {
            let finding = try AuditDocument.run().nodeFinding("NODE-PTRACE")
            #expect(finding["status"] as? String == "fail", "\(finding)")
            let evidence = finding["evidence"] as? [String: Any] ?? [:]
            #expect(evidence["minimum"] as? Int == 1)
            if SimulationRequirements.yamaPtraceScope == nil {
                #expect(evidence["ptrace_scope"] is NSNull, "\(evidence)")
                #expect((evidence["reason"] as? String ?? "").contains("ptrace_scope"), "the reason names the missing file: \(evidence)")
            } else {
                #expect(evidence["ptrace_scope"] as? Int == 0)
            }
        }

        @Test("NODE-PTRACE passes with Yama ptrace_scope >= 1",
              .enabled(if: (SimulationRequirements.yamaPtraceScope ?? 0) >= 1,
                       "needs Yama with kernel.yama.ptrace_scope >= 1 (/proc/sys/kernel/yama/ptrace_scope absent or 0 on this kernel)"))
        func ptraceScopePasses() throws {
            let finding = try AuditDocument.run().nodeFinding("NODE-PTRACE")
            #expect(finding["status"] as? String == "pass", "\(finding)")
            #expect((finding["evidence"] as? [String: Any])?["ptrace_scope"] as? Int == SimulationRequirements.yamaPtraceScope)
        }

        @Test("NODE-USERNS passes (informational) with max_user_namespaces as evidence")
        func userNamespaces() throws {
            let finding = try AuditDocument.run().nodeFinding("NODE-USERNS")
            #expect(finding["status"] as? String == "pass", "\(finding)")
            #expect(finding["severity"] as? String == "info")
            let expected = ProcFacts.text("/proc/sys/user/max_user_namespaces").flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            #expect((finding["evidence"] as? [String: Any])?["max_user_namespaces"] as? Int == expected, "\(finding)")
        }
    }
}
