import Jobs
import ProcFS
import Testing

/// Issue 21 finding 8: a payload decides how deep its process tree is. A chain 20,000 deep is
/// classified by walks that visit each process a bounded number of times (no recursion, no walk
/// up the whole chain per process); here the structure is checked, and that it completes (speed
/// is `make bench`'s business, never a timed assertion).
struct DeepTreeTests {
    static let depth: Int32 = 20_000

    /// pilot3's tree, with a container runtime under the payload root and a chain of `depth`
    /// processes below it, and a pilot-side chain of helpers as deep.
    static func deepTree() -> SampleBuilder {
        var tree = JobClassifierTests.pilot3Tree()
        let jobDir = "\(JobClassifierTests.pilotHome)/PanDA_Pilot-6402753124"
        let env = ["PANDAID": "6402753124"]
        tree.add(100_000, parent: 25625, sid: 25625, argv: ["/usr/bin/apptainer", "exec", "/images/el9.sif", "bash"], cwd: jobDir, env: env)
        for pid in 100_001...(100_000 + depth) {
            tree.add(pid, parent: pid - 1, sid: 25625, argv: ["bash"], cwd: jobDir, env: env)
        }
        tree.add(200_000, parent: 25588, argv: ["/bin/bash", "-c", "helper"], cwd: JobClassifierTests.pilotHome)
        for pid in 200_001...(200_000 + depth) {
            tree.add(pid, parent: pid - 1, sid: 200_000, argv: ["sleep", "1"], cwd: JobClassifierTests.pilotHome)
        }
        return tree
    }

    @Test func deepChainsAreClassifiedWhole() throws {
        let graph = JobClassifier().classify(Self.deepTree().processes)
        let job = try #require(graph.jobs.first)
        #expect(graph.jobs.count == 1)
        #expect(job.processes.count == 4 + 1 + Int(Self.depth))
        #expect(job.containers.count == 1 + Int(Self.depth), "the runtime and everything below it")
        #expect(job.containers[100_000 + Self.depth]?.runtime == "apptainer")
        #expect(job.containers[100_000 + Self.depth]?.image == "/images/el9.sif")
        #expect(job.containers[25628] == nil)
        let pilot = try #require(graph.pilots.first)
        #expect(pilot.pilotSidePIDs.count == 1 + 1 + Int(Self.depth), "ps helper, the helper chain's top and its chain")
        #expect(graph.unattributed.isEmpty)
    }

    /// An orphan of the payload re-parented to the pilot (its subreaper) is put back into its job
    /// by its session, and everything below it by the walk up to it: also 20,000 levels down
    /// (the walk up gave up after 4,096 steps and left the rest as the pilot's own helpers).
    @Test func deepChainBelowAnAdoptedOrphanStaysInItsJob() throws {
        var tree = JobClassifierTests.pilot3Tree()
        tree.add(25650, parent: 25588, sid: 25625, argv: ["sleep", "600"], cwd: "/tmp")
        for pid in 300_000...(300_000 + Self.depth) {
            tree.add(pid, parent: pid == 300_000 ? 25650 : pid - 1, sid: 25650, argv: ["bash"], cwd: "/tmp")
        }
        let graph = JobClassifier().classify(tree.processes)
        let job = try #require(graph.jobs.first)
        #expect(graph.jobs.count == 1)
        #expect(job.processes.count == 4 + 1 + 1 + Int(Self.depth), "the job's own four, the orphan and its chain")
        #expect(job.processes.contains { $0.pid == 300_000 + Self.depth })
        #expect(graph.pilots.first?.pilotSidePIDs == [25700], "only the ps helper is the pilot's own")
    }
}
