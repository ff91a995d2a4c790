import Foundation
import Testing
@testable import ProcFS

/// A proc root that cannot be sampled stops the sample with an error naming the path.
@Suite struct ProcRootTests {
    @Test func nonexistentDirectory() {
        let path = FixtureTree.fixtures.appendingPathComponent("does-not-exist/proc").path
        let error = #expect(throws: ProcRootError.self) { try ProcSampler(procRoot: path).sample() }
        #expect(error?.path == path)
        #expect(error?.description.hasPrefix(path + ": ") == true)
        #expect(error?.reason.contains("not a readable proc tree") == true)
    }

    @Test func directoryWithoutStat() {
        let path = FixtureTree.procRoot("no-stat")
        let error = #expect(throws: ProcRootError.self) { try ProcSampler(procRoot: path).sample() }
        #expect(error?.path == path)
        #expect(error?.reason.contains("\(path)/stat") == true)
    }

    @Test func statWithoutBtime() {
        let path = FixtureTree.procRoot("no-btime")
        let error = #expect(throws: ProcRootError.self) { try ProcSampler(procRoot: path).sample(pids: [1]) }
        #expect(error?.path == "\(path)/stat")
        #expect(error?.reason.contains("no 'btime' line") == true)
    }

    @Test func aFileIsNotAProcRoot() {
        let path = FixtureTree.procRoot("no-btime") + "/stat"
        let error = #expect(throws: ProcRootError.self) { try ProcSampler(procRoot: path).sample() }
        #expect(error?.path == path)
    }

    @Test func machineIDBesideTheProcRootEvenWithATrailingSlash() throws {
        let facts = try NodeFactsReader(procRoot: FixtureTree.procRoot("pilot3-generic") + "/").read()
        #expect(facts.machineID == "a3f1c2d4e5b60718293a4b5c6d7e8f90")
        #expect(NodeFactsReader(procRoot: "/proc").machineIDPath == "/etc/machine-id")
        #expect(NodeFactsReader(procRoot: "/srv/copy/proc").machineIDPath == "/srv/copy/etc/machine-id")
    }
}
