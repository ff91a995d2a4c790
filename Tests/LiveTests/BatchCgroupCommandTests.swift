import Foundation
import TestSupport
import Testing

extension Live {
    /// `isotrace audit` as a user runs it, on copies of the pilot3 fixture tree with the batch
    /// layouts of Tests/ProcFSTests/Fixtures/batch-cgroups (no root needed).
    @Suite struct BatchCgroupCommandTests {
        static let fixtures = URL(fileURLWithPath: Repository.procFixtures)

        /// Runs `body` with the proc root of a copy of pilot3-generic carrying `layout`'s cgroup files.
        static func withLayout(_ layout: String, _ body: (String) throws -> Void) throws {
            let copy = try TestDirectory("isotrace-batch-layout").url
            defer { try? FileManager.default.removeItem(at: copy) }
            let manager = FileManager.default
            for item in ["proc", "etc"] {
                try manager.copyItem(at: fixtures.appendingPathComponent("pilot3-generic/\(item)"), to: copy.appendingPathComponent(item))
            }
            let overlay = fixtures.appendingPathComponent("batch-cgroups/\(layout)")
            for pid in try manager.contentsOfDirectory(atPath: overlay.path) {
                let target = copy.appendingPathComponent("proc/\(pid)/cgroup")
                try manager.removeItem(at: target)
                try manager.copyItem(at: overlay.appendingPathComponent("\(pid)/cgroup"), to: target)
            }
            try body(copy.appendingPathComponent("proc").path)
        }

        @Test("a node with no batch cgroups: the table says skip for TRACE-CGROUP with the reason")
        func noBatchCgroupsSaysSkip() throws {
            try Self.withLayout("no-batch") { procRoot in
                let result = try IsotraceBinary.run("audit", "--proc-root", procRoot, "--policy", SimulationRequirements.basePolicy)
                #expect(result.status == 1, "\(result.stderr)")
                #expect(result.stdout.contains("skip  TRACE-CGROUP: the pilot sits in the root cgroup of every hierarchy: no batch job cgroup holds this job"),
                        "\(result.stdout)")
                #expect(!result.stdout.contains("  batch    "), "no batch job named: \(result.stdout)")
            }
        }

        @Test("a Slurm cgroup/v1 job on a hybrid node: the table names the batch job, JSON carries it")
        func slurmJobIsNamed() throws {
            try Self.withLayout("slurm-v1-hybrid") { procRoot in
                let table = try IsotraceBinary.run("audit", "--proc-root", procRoot, "--policy", SimulationRequirements.basePolicy)
                #expect(table.stdout.contains("batch SLURM_JOB_ID=4242 (cgroup)"), "\(table.stdout)")
                #expect(table.stdout.contains("  batch    slurm job cgroup /slurm_wn01/uid_2001/job_4242 (12:cpuset)"), "\(table.stdout)")
                let json = try IsotraceBinary.json(try IsotraceBinary.run("audit", "--format", "json", "--proc-root", procRoot,
                                                                          "--policy", SimulationRequirements.basePolicy))
                let job = try #require((json["jobs"] as? [[String: Any]])?.first)
                #expect(job["batch_system"] as? String == "slurm")
                #expect(job["batch_cgroup"] as? String == "/slurm_wn01/uid_2001/job_4242")
            }
        }
    }
}
