import Foundation
@testable import Policy
import ProcFS
import Testing

/// `AuditFileCache`: within one audit, a path looked at or read through one process's root is
/// looked at once; the answers are the underlying inspector's, failures included; another
/// process's root is looked at again.
struct AuditFileCacheTests {
    /// Counts the looks that reach the real inspector.
    final class Counting: FileInspector, @unchecked Sendable {
        let inner: RootedFileInspector
        var paths: [String] = []
        var reads: [String] = []
        init(_ inner: RootedFileInspector) { self.inner = inner }
        func inspect(path: String, throughPID pid: Int32) -> FileFacts { inner.inspect(path: path, throughPID: pid) }
        func inspect(paths: [String], throughPID pid: Int32) -> [FileFacts] {
            self.paths += paths.map { "\(pid):\($0)" }
            return inner.inspect(paths: paths, throughPID: pid)
        }
        func inspectHost(path: String) -> FileFacts { inner.inspectHost(path: path) }
        func read(path: String, throughPID pid: Int32, limit: Int) -> (facts: FileFacts, content: [UInt8]?) {
            reads.append("\(pid):\(path)")
            return inner.read(path: path, throughPID: pid, limit: limit)
        }
    }

    @Test func eachLookIsMadeOncePerProcessAndPath() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let home = OwnerTrustTests.home
            try OwnerTrustTests.plant(OwnerTrustTests.definition(OwnerTrustTests.dn), at: home + "/pilotlog.txt", in: procRoot)
            let rooted = RootedFileInspector(procRoot: procRoot)
            let counting = Counting(rooted)
            let cache = AuditFileCache(counting)
            let paths = [home + "/pilotlog.txt", "/tmp/x509up_u2000", home, "/nonexistent/x"]

            let first = cache.inspect(paths: paths, throughPID: 25588)
            #expect(first == rooted.inspect(paths: paths, throughPID: 25588))
            #expect(first[0].exists && !first[1].exists && first[2].exists)
            #expect(cache.inspect(paths: Array(paths.reversed()), throughPID: 25588) == first.reversed())
            #expect(cache.inspect(paths: [paths[1], "/etc"], throughPID: 25588)
                == rooted.inspect(paths: [paths[1], "/etc"], throughPID: 25588))
            #expect(counting.paths == paths.map { "25588:\($0)" } + ["25588:/etc"], "\(counting.paths)")

            // Another root (a process gone: the failure is the inspector's, and it is kept too).
            let gone = cache.inspect(paths: [paths[0]], throughPID: 999_999)
            #expect(gone == rooted.inspect(paths: [paths[0]], throughPID: 999_999) && gone[0].error != nil)
            #expect(cache.inspect(paths: [paths[0]], throughPID: 999_999) == gone)
            #expect(counting.paths.count == paths.count + 2)

            let read = cache.read(path: paths[0], throughPID: 25588, limit: 1 << 20)
            let again = cache.read(path: paths[0], throughPID: 25588, limit: 1 << 20)
            let direct = rooted.read(path: paths[0], throughPID: 25588, limit: 1 << 20)
            #expect(read.facts == direct.facts && read.content == direct.content && read.content != nil)
            #expect(again.facts == direct.facts && again.content == direct.content)
            #expect(cache.read(path: paths[0], throughPID: 25588, limit: 5).content == direct.content.map { Array($0.prefix(5)) })
            #expect(counting.reads == ["25588:\(paths[0])", "25588:\(paths[0])"], "\(counting.reads)")
        }
    }
}
