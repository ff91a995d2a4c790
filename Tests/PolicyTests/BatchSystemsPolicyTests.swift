import Foundation
import Jobs
import Policy
import Testing

/// The policy's `batch_systems` section: read with every problem at its line, merged over the
/// base by id, and a site's own pattern used by the audit.
@Suite struct BatchSystemsPolicyTests {
    static func policy(_ batchSystems: String) -> String {
        """
        id: test
        version: "1"
        batch_systems:
        \(batchSystems)
        rules:
          - {id: TRACE-CGROUP, check: cgroup_contained, severity: medium, remediation: keep payloads in the job}
        """
    }

    @Test func theBaseCarriesTheDocumentedLayouts() throws {
        let base = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        #expect(base.batchSystems.map(\.id) == ["slurm-cgroup-v1", "slurm-cgroup-v2", "htcondor-cgroup", "htcondor-cgroup-v2", "pbs-cgroup-v1"])
        #expect(base.batchSystems.filter(\.capturesJobID).compactMap(\.jobIDVariable) == ["SLURM_JOB_ID", "SLURM_JOB_ID", "PBS_JOBID"])
    }

    /// The expressions compiled at first use instead of at load (`knownExpressions`) are exactly
    /// those of the bundled policies, and each compiles, so skipping that at load hides no error.
    @Test func theKnownExpressionsAreTheBundledOnesAndCompile() throws {
        var bundled: Set<String> = []
        for name in ["wlcg-mupj.yaml", "site-example.yaml"] {
            let policy = try PolicyLoader.load(path: PolicyFixtures.policy(name))
            bundled.formUnion(policy.batchSystems.map(\.pattern))
        }
        #expect(bundled == BatchCgroupPattern.knownExpressions)
        for expression in BatchCgroupPattern.knownExpressions {
            #expect(throws: Never.self, "\(expression)") { _ = try Regex(expression) }
        }
        // Compiled at the first match: the base policy's Slurm pattern still finds its job.
        let base = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        let match = try #require(base.batchSystems[0].match("/slurm/uid_1000/job_42/step_0"))
        #expect(match.cgroup == "/slurm/uid_1000/job_42" && match.jobID == "42")
    }

    @Test func problemsAreReportedAtTheirLine() throws {
        let issues = try PolicyFixtures.lint(Self.policy("""
              - {id: a, system: slurm, layout: v3, pattern: '^/x'}
              - {id: b, system: slurm, layout: v1, pattern: '^/(unclosed'}
              - {id: c, system: slurm, layout: v1, pattern: '^/slurm/(?<job>[0-9]+)', job_id_variable: SLURM_JOB_ID}
              - {id: d, layout: v1, pattern: '^/x'}
              - {id: a, system: slurm, layout: v1, pattern: '^/y'}
              - {id: e, system: slurm, layout: v1, pattern: '^/y', colour: red}
            """))
        expectIssue(issues, line: 4, column: 36, containing: "'layout' must be one of v1, v2, found 'v3'")
        expectIssue(issues, line: 5, column: 49, containing: "not a regular expression")
        expectIssue(issues, line: 6, column: 49, containing: "no (?<job_id>...) group")
        expectIssue(issues, line: 7, column: 5, containing: "missing required key 'system'")
        expectIssue(issues, line: 8, column: 10, containing: "duplicate batch system id 'a'")
        expectIssue(issues, line: 9, column: 56, containing: "unknown key 'colour'")
        #expect(issues.count == 6, "\(issues.map(\.description))")
    }

    @Test func aSiteAddsReplacesAndDropsEntriesByID() throws {
        let site = """
            extends: \(PolicyFixtures.policy("wlcg-mupj.yaml"))
            id: site
            version: "1"
            batch_systems:
              - {id: slurm-cgroup-v1, system: slurm, layout: v1, pattern: '^(?<cgroup>/batch/job(?<job_id>[0-9]+))(?:/|$)', job_id_variable: SLURM_JOB_ID}
              - {id: pbs-cgroup-v1, enabled: false}
              - {id: local, system: lsf, layout: v2, pattern: '^(?<cgroup>/lsf/job_(?<job_id>[0-9]+))(?:/|$)', job_id_variable: LSB_JOBID}
            """
        let policy = try PolicyFixtures.withFiles(["site.yaml": site]) { try PolicyLoader.load(path: $0 + "/site.yaml") }
        #expect(policy.batchSystems.map(\.id) == ["slurm-cgroup-v1", "slurm-cgroup-v2", "htcondor-cgroup", "htcondor-cgroup-v2", "local"])
        #expect(policy.batchSystems[0].pattern.hasPrefix("^(?<cgroup>/batch/"))
        let match = try #require(policy.batchSystems[4].match("/lsf/job_77/task"))
        #expect(match.cgroup == "/lsf/job_77" && match.jobID == "77")
    }

    @Test func theSiteExampleAddsItsHTCondorBaseCgroup() throws {
        let base = try PolicyLoader.load(path: PolicyFixtures.policy("wlcg-mupj.yaml"))
        let site = try PolicyLoader.load(path: PolicyFixtures.policy("site-example.yaml"))
        #expect(site.batchSystems.map(\.id) == base.batchSystems.map(\.id) + ["htcondor-condor-jobs"])
        let match = try #require(site.batchSystems.last?.match("/condor_jobs/condor_scratch_execute_slot2_7@wn02.example.org"))
        #expect(match.slot == "slot2_7@wn02.example.org" && match.jobID == nil)
    }
}
