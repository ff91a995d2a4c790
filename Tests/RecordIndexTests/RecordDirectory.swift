import Foundation
import TestSupport

/// A temporary record directory (DIR with DIR/records) for one test, removed afterwards.
final class RecordDirectory {
    private let directory: TestDirectory
    var path: String { directory.path }

    init() {
        directory = try! TestDirectory("isotrace-index-test")
        try! FileManager.default.createDirectory(atPath: directory.path + "/records", withIntermediateDirectories: true)
    }

    deinit { directory.remove() }

    var indexPath: String { path + "/index.sqlite" }

    func segmentPath(_ day: String) -> String { "\(path)/records/\(day).jsonl" }

    /// Appends `lines`, each ended by a newline, to the segment of `day`.
    func append(_ lines: [String], day: String = "2026-11-26") {
        appendRaw(lines.map { $0 + "\n" }.joined(), day: day)
    }

    /// Appends bytes as they are (to leave a line without its newline).
    func appendRaw(_ text: String, day: String = "2026-11-26") {
        let file = segmentPath(day)
        if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        let handle = FileHandle(forWritingAtPath: file)!
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        handle.closeFile()
    }

    func lines(day: String = "2026-11-26") -> [String] {
        let text = try! String(contentsOfFile: segmentPath(day), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Rewrites the segment of `day` with `lines` (tampering, for tests).
    func rewrite(_ lines: [String], day: String = "2026-11-26") {
        try! Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: segmentPath(day)))
    }

    func files() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
}
