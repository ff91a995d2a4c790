import Foundation
import ProcFS
import TestSupport
import Testing

extension Live {
    /// Processes that exit while being sampled are dropped and counted, never an error.
    @Suite struct VanishingProcessTests {
        /// A shell starting 50 short sleeps at once, then waiting for them.
        static let churn = ["/bin/sh", "-c", "i=0; while [ $i -lt 50 ]; do sleep 0.0$((i % 9 + 1)) & i=$((i+1)); done; wait"]

        @Test("sampling while 50 children start and exit gives no problems")
        func sampleDuringChurn() throws {
            var samples = 0
            for _ in 0..<4 {
                let churner = try ChildProcess(Self.churn)
                defer { churner.stop() }
                repeat {
                    let snapshot = try ProcSampler().sample()
                    samples += 1
                    #expect(snapshot.problems == [], "sample \(samples)")
                    #expect(snapshot.counters.vanished >= 0)
                    #expect(snapshot.counters.processes == snapshot.processes.count)
                } while !churner.hasExited
            }
            #expect(samples >= 4)
            let churner = try ChildProcess(Self.churn)
            defer { churner.stop() }
            let result = try IsotraceBinary.run("snapshot", "--format", "json")
            #expect(result.status == 0, "\(result.description)")
            #expect(result.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("isotrace: sampler ") }, "only the sampler line: \(result.stderr)")
            let counters = try #require(try IsotraceBinary.json(result)["counters"] as? [String: Any])
            #expect((counters["vanished"] as? Int ?? -1) >= 0)
        }
    }
}
