import Foundation
@testable import Jobs
import Testing

/// The literal test before a batch pattern's expression runs: the runs it reads from a pattern,
/// and `match` with it equal to the expression alone on real and random cgroup paths.
@Suite struct RequiredLiteralsTests {
    /// The base policy's patterns (policies/wlcg-mupj.yaml) and the site example's, as written there.
    static let patterns: [(String, String?)] = [
        (#"^(?<cgroup>/slurm(?:_[^/]+)?/uid_[0-9]+/job_(?<job_id>[0-9]+))(?:/|$)"#, "SLURM_JOB_ID"),
        (#"^(?<cgroup>(?:/[^/]+)*?/job_(?<job_id>[0-9]+))/step_[^/]+(?:/|$)"#, "SLURM_JOB_ID"),
        (#"^(?<cgroup>(?:/[^/]+)*?/htcondor/[^/]*_(?<slot>slot[0-9]+(?:_[0-9]+)?(?:@[^/]+)?))(?:/|$)"#, nil),
        (#"^(?<cgroup>(?:/[^/]+)*?/htcondor/[^/]*_(?<slot>slot[0-9]+(?:_[0-9]+)?(?:@[^/]+?)?)(?:\.slice)?)(?:/|$)"#, nil),
        (#"^(?<cgroup>/pbs_jobs\.service/jobid/(?<job_id>[0-9]+(?:\[[0-9]*\])?(?:\.[A-Za-z0-9_.-]+)?))(?:/|$)"#, "PBS_JOBID"),
        (#"^(?<cgroup>/condor_jobs/[^/]*_(?<slot>slot[0-9]+(?:_[0-9]+)?(?:@[^/]+)?))(?:/|$)"#, nil),
    ]

    static func runs(_ pattern: String) -> [String] {
        RequiredLiterals(pattern: pattern).runs.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func runsOfThePolicysPatterns() {
        #expect(Self.runs(Self.patterns[0].0) == ["/slurm", "/uid_", "/job_"])
        #expect(Self.runs(Self.patterns[1].0) == ["/job_", "/step_"])
        #expect(Self.runs(Self.patterns[2].0) == ["/htcondor/", "_", "slot"])
        #expect(Self.runs(Self.patterns[4].0) == ["/pbs_jobs.service/jobid/"])
        #expect(Self.runs(Self.patterns[5].0) == ["/condor_jobs/", "_", "slot"])
    }

    @Test func whatCanBeSkippedOrIsNotUnderstoodRequiresNothing() {
        // Optional, repeated-from-zero and alternated items; a quantified last byte.
        #expect(Self.runs("^/a(?:/bc)?/de*f(?:gh|ij)k{0,2}lm{1}") == ["/a", "/d", "f", "l"])
        #expect(Self.runs("^/job_(x|y)+/step") == ["/job_", "/step"])
        #expect(Self.runs("(?:/ab)+") == ["/ab"])
        // Top-level alternation, flags, lookarounds, quoting, properties, back references,
        // nested classes, non-ASCII: nothing, so the expression always runs.
        for pattern in ["/ab|/cd", "(?i)/job_", "/a(?i:b)", "(?=/job)/x", "(?<=/a)b", #"\Q/job_\E"#, #"\p{L}/job_"#,
                        #"(a)/job_\1"#, "[[:alpha:]]/job_", "/jöb_", "/job_(", "/job_)", "*/job", "/job_{", #"/\x41"#,
                        "(?>/a)", "(?#c)/a", #"\N{LATIN SMALL LETTER A}"#, #"\k<a>"#] {
            #expect(Self.runs(pattern).isEmpty, "\(pattern)")
        }
    }

    static func pattern(_ index: Int) throws -> BatchCgroupPattern {
        let (text, variable) = patterns[index]
        return try BatchCgroupPattern(id: "p\(index)", system: "s", layout: .v1, pattern: text, jobIDVariable: variable)
    }

    static func sameMatch(_ pattern: BatchCgroupPattern, _ path: String) -> Bool {
        let fast = pattern.match(path), slow = pattern.matchByExpression(path)
        return fast?.cgroup == slow?.cgroup && fast?.jobID == slow?.jobID && fast?.slot == slow?.slot && (fast == nil) == (slow == nil)
    }

    /// Paths a node has (this machine's own cgroups among them) and the batch systems' layouts.
    @Test func realPathsMatchAsTheExpressionAlone() throws {
        var paths = [
            "/", "/init.scope", "/system.slice/sshd.service", "/user.slice/user-1000.slice/session-3.scope",
            "/slurm/uid_1000/job_4242/step_0/task_0", "/slurm_wn01/uid_20001/job_77", "/slurm/uid_x/job_1",
            "/system.slice/slurmstepd.scope/job_4242/step_batch/user/task_0", "/job_12/step_extern",
            "/htcondor/condor_var_lib_condor_execute_slot1_3@wn01.example.org", "/system.slice/htcondor/x_slot2.slice/a",
            "/htcondor/condor_scratch_slot1_2@wn.slice", "/pbs_jobs.service/jobid/123[4].server.example.org/x",
            "/pbs_jobs.service/jobid/17", "/condor_jobs/condor_scratch_execute_slot2_7@wn02.example.org",
            "/slurm/uid_1000/job_4242\u{212A}", "/\u{212A}slurm/uid_1/job_2", "/slurm/uid_1/jo\u{301}b_2", "/job_1/step_\u{0}",
        ]
        for entry in (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8))?.split(separator: "\n") ?? [] {
            paths.append(String(entry.split(separator: ":", maxSplits: 2).last ?? ""))
        }
        for index in Self.patterns.indices {
            let pattern = try Self.pattern(index)
            for path in paths { #expect(Self.sameMatch(pattern, path), "\(pattern.pattern) on \(path)") }
        }
        #expect(try Self.pattern(0).match("/slurm/uid_1000/job_4242/step_0")?.jobID == "4242")
        #expect(try Self.pattern(4).match("/pbs_jobs.service/jobid/123[4].server.example.org/x")?.jobID == "123[4].server.example.org")
    }

    /// Random paths made of the patterns' own pieces, so that many match: the same answers.
    @Test func randomPathsMatchAsTheExpressionAlone() throws {
        let segments = ["slurm", "slurm_wn1", "uid_1000", "uid_x", "job_42", "job_", "job_7x", "step_0", "step_batch", "step_",
                        "htcondor", "condor_x_slot1", "x_slot2_3@wn.example.org", "a_slot1.slice", "_slot", "slot3",
                        "pbs_jobs.service", "jobid", "17[3].srv.example", "17", "system.slice", "condor_jobs", "",
                        "é", "\u{212A}ob_1", "jo\u{301}b_1", "job_\u{212A}", "x.scope", "task_0"]
        var generator = SystemRandomNumberGenerator()
        let compiled = try Self.patterns.indices.map { try Self.pattern($0) }
        var matched = 0
        for _ in 0..<4000 {
            let count = Int.random(in: 1...7, using: &generator)
            var path = "/" + (0..<count).map { _ in segments.randomElement(using: &generator)! }.joined(separator: "/")
            if Bool.random(using: &generator) { path += "/" }
            for pattern in compiled {
                #expect(Self.sameMatch(pattern, path), "\(pattern.pattern) on \(path)")
                if pattern.matchByExpression(path) != nil { matched += 1 }
            }
        }
        #expect(matched > 0, "no random path matched any pattern: the comparison says little")
    }
}
