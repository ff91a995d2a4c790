import Foundation
import Testing

/// SwiftPM walks the test target's directory, following symbolic links, even into the excluded
/// Fixtures folder: a fixture link such as `cwd -> /` made it walk the whole file system (and
/// /proc) until the build ran out of memory. Fixture links may resolve to a directory only inside
/// the fixtures and not to one holding the link (a loop).
@Suite struct FixtureHygieneTests {
    @Test func noFixtureLinkPointsAtAnExistingDirectory() throws {
        let manager = FileManager.default
        let root = FixtureTree.fixtures.path
        let enumerator = try #require(manager.enumerator(atPath: root))
        var links = 0
        while let relative = enumerator.nextObject() as? String {
            let path = root + "/" + relative
            guard let target = try? manager.destinationOfSymbolicLink(atPath: path) else { continue }
            links += 1
            var isDirectory: ObjCBool = false
            let joined = target.hasPrefix("/") ? target : (path as NSString).deletingLastPathComponent + "/" + target
            let resolved = (joined as NSString).standardizingPath
            guard manager.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            #expect(resolved.hasPrefix(root + "/") && !path.hasPrefix(resolved + "/"),
                    "\(relative) -> \(target) is a directory outside the fixtures or above the link")
        }
        #expect(links > 100)
    }
}
