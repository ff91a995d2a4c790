import Foundation
import Testing
@testable import RecordIndex

/// Issue 21 finding 6: SQLite opens the index by path and follows links, so a link planted as
/// `index.sqlite` (or its WAL) made root create a database wherever it pointed. isotrace checks
/// the path itself first.
@Suite struct IndexPathTests {
    @Test(arguments: ["index.sqlite", "index.sqlite-wal"])
    func linkedIndexFileIsRefused(_ name: String) throws {
        let directory = RecordDirectory()
        directory.append(IndexRecoveryTests.segmentLines())
        let elsewhere = RecordDirectory()
        let target = elsewhere.path + "/planted.sqlite"
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/" + name, withDestinationPath: target)
        let error = try #require(throws: IndexError.self) { try RecordIndex.update(directory: directory.path) }
        #expect("\(error)".contains("symbolic link"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: target), "SQLite created a file through the link")
    }

    @Test func directoryWritableByOthersIsRefused() throws {
        let directory = RecordDirectory()
        directory.append(IndexRecoveryTests.segmentLines())
        #expect(chmod(directory.path, 0o777) == 0)
        let error = try #require(throws: IndexError.self) { try RecordIndex.update(directory: directory.path) }
        #expect("\(error)".contains("writable by others"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: directory.indexPath))
    }
}
