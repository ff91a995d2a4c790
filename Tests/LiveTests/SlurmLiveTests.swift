import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Live {
    /// A real Slurm (`LocalSlurm`) runs `isotrace simulate`'s pilot with a payload as a batch job:
    /// the audit names the job by its Slurm ID from the job's cgroup, TRACE-CGROUP passes over
    /// every hierarchy that holds the job, and fails, naming the process, once one payload process
    /// is moved out of the job's cgroups.
    @Suite(.enabled(if: LocalSlurm.unavailable == nil, "\(LocalSlurm.unavailable ?? "")"),
           .simulateTools)
    struct SlurmLiveTests {
        @Test("a Slurm batch job running the simulated pilot: named by its Slurm ID, TRACE-CGROUP pass, then fail for a moved payload process")
        func slurmJobAndAnEscapedPayloadProcess() throws {
            let slurm: LocalSlurm
            do {
                slurm = try LocalSlurm()
            } catch let error as LocalSlurmError {
                print("SlurmLiveTests skipped: Slurm did not start here: \(error)")
                try Test.cancel("Slurm did not start here: \(error)")
            }
            defer { slurm.stop() }
            let work = slurm.directory.appendingPathComponent("job").path
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            let simulateOutput = "\(work)/simulate.out", simulatePID = "\(work)/simulate.pid"
            // The batch script: simulate's pilot and payload are the job's processes; simulate ends
            // them (and its directory) on SIGTERM, which the test sends by the PID written here.
            let script = "\(work)/job.sh"
            try """
                #!/bin/bash
                \(try IsotraceBinary.path()) simulate leaky --hold 300 --dir \(work)/simulation \\
                  --pilot-uid \(SimulationRequirements.pilotUID) --payload-uid \(SimulationRequirements.payloadUID) \\
                  > \(simulateOutput) 2> \(work)/simulate.err &
                echo $! > \(simulatePID)
                wait
                """.write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            let jobID = try slurm.submit(script, output: "\(work)/slurm-%j.out")
            var simulate: pid_t?
            defer {
                if let simulate { kill(simulate, SIGTERM) }
                for _ in 0..<300 where slurm.state(ofJob: jobID).map({ ["RUNNING", "PENDING", "COMPLETING"].contains($0) }) ?? false {
                    usleep(100_000)
                }
                slurm.cancel(jobID)
            }
            var simulated: SimulatedJob?
            for _ in 0..<300 where simulated == nil {
                let text = (try? String(contentsOfFile: simulateOutput, encoding: .utf8)) ?? ""
                if text.contains("ready:") {
                    simulated = text.split(separator: "\n").compactMap { SimulatedJob(line: $0) }.first { $0.mode == "leaky" }
                }
                simulate = simulate ?? ((try? String(contentsOfFile: simulatePID, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
                if slurm.state(ofJob: jobID).map({ !["RUNNING", "PENDING", "CONFIGURING"].contains($0) }) == true { break }
                usleep(100_000)
            }
            let job = try #require(simulated, """
                the batch job \(jobID) did not start the simulation (state \(slurm.state(ofJob: jobID) ?? "?")): \
                \((try? String(contentsOfFile: "\(work)/simulate.err", encoding: .utf8)) ?? "") \(slurm.log("slurmd"))
                """)

            // The pilot sits in the job's cgroup, as Slurm's cgroup/v1 plugin writes it.
            let pilotCgroups = try String(contentsOfFile: "/proc/\(job.pilotPID)/cgroup", encoding: .utf8)
            let jobCgroup = "/slurm_\(slurm.nodeName)/uid_0/job_\(jobID)"
            if LocalSlurm.cgroupPlugin == "cgroup/v1" {
                for controller in LocalSlurm.controllers {
                    #expect(pilotCgroups.contains(":\(controller):\(jobCgroup)/step_batch"), "\(pilotCgroups)")
                }
            }

            let audit = try AuditDocument.run()
            let found = try audit.job(job)
            #expect(found.json["batch_system"] as? String == "slurm", "\(found.json["batch_system"] ?? "nil")")
            let batchID = found.json["batch_job_id"] as? [String: Any] ?? [:]
            #expect(batchID["value"] as? String == jobID && batchID["source"] as? String == "cgroup"
                    && batchID["variable"] as? String == "SLURM_JOB_ID", "\(batchID)")
            if LocalSlurm.cgroupPlugin == "cgroup/v1" {
                #expect(found.json["batch_cgroup"] as? String == jobCgroup, "\(found.json["batch_cgroup"] ?? "nil")")
                #expect(found.json["batch_pattern"] as? String == "slurm-cgroup-v1")
            }
            let pass = try found.finding("TRACE-CGROUP")
            #expect(pass.status == "pass", "\(pass.description)")
            let checked = pass.evidence["hierarchies"] as? [String] ?? []
            for controller in LocalSlurm.controllers where LocalSlurm.cgroupPlugin == "cgroup/v1" {
                #expect(checked.contains { $0.contains(":\(controller):\(jobCgroup)/") }, "\(checked)")
            }

            // One payload process (not the root) leaves the job: into the root cgroup of every
            // hierarchy Slurm put it in.
            let moved = try #require(found.processPIDs.filter { $0 != job.payloadPIDs.first }.max(), "no payload child: \(found.processPIDs)")
            let roots = LocalSlurm.cgroupPlugin == "cgroup/v1" ? LocalSlurm.controllers.map { "/sys/fs/cgroup/\($0)" } : ["/sys/fs/cgroup"]
            for root in roots {
                try "\(moved)\n".write(toFile: "\(root)/cgroup.procs", atomically: false, encoding: .utf8)
            }
            defer { kill(pid_t(moved), SIGKILL) }
            let after = try AuditDocument.run()
            let fail = try after.job(job).finding("TRACE-CGROUP")
            #expect(fail.status == "fail", "\(fail.description)")
            #expect(fail.pid == moved, "\(fail.description)")
            #expect(fail.message.contains("\(moved)"), "\(fail.message)")
            #expect(fail.evidence["payload_cgroup"] as? String == "/", "\(fail.evidence)")
            #expect((fail.evidence["pilot_cgroup"] as? String)?.hasPrefix(jobCgroup) == true || LocalSlurm.cgroupPlugin != "cgroup/v1",
                    "\(fail.evidence)")
            print("SlurmLiveTests: job \(jobID) on node \(slurm.nodeName) (\(LocalSlurm.cgroupPlugin ?? "?")): \(checked.count) hierarchies checked; "
                  + "moved pid \(moved): \(fail.message)")
        }
    }
}
