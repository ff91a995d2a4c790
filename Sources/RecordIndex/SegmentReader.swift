import Base
import Records

/// A daily segment `records/<YYYY-MM-DD>.jsonl` (named and listed by Records' `SegmentDirectory`).
/// Segments sort by name, which is their order in the chain.
struct Segment: Equatable {
    /// Path relative to the record directory, as records are cited: `records/2026-11-26.jsonl`.
    var file: String
    var path: String
}

/// One line of a segment: where it is and its bytes (without the newline). `complete` is false
/// for a last line with no newline yet: being written, or left by a crash for the writer to recover.
struct SegmentLine {
    var file: String
    var line: Int64
    var offset: Int64
    var bytes: [UInt8]
    var complete: Bool
}

/// Lists segments and reads their lines from a byte offset (Base's `LineReader`), so an
/// incremental update reads only what was appended since the last indexed record.
enum SegmentReader {
    static func segments(directory: String) throws(IndexError) -> [Segment] {
        let records = SegmentDirectory(outputDirectory: directory)
        do {
            return try records.segments().map { Segment(file: "records/" + $0, path: records.path(of: $0)) }
        } catch where error.errno == .noSuchFileOrDirectory {
            throw .noRecords(path: records.path)
        } catch {
            throw .unreadable(path: records.path, reason: "\(error.errno)")
        }
    }

    /// Calls `body` for every line of `segment` from `offset` on; `firstLine` is the number of
    /// the line at `offset`.
    static func forEachLine(of segment: Segment, from offset: Int64, firstLine: Int64,
                            _ body: (SegmentLine) throws -> Void) throws {
        var reader = try opened(segment.path, from: offset, firstLine: firstLine)
        defer { reader.close() }
        while let line = try next(&reader, segment.path) {
            try body(SegmentLine(file: segment.file, line: Int64(line.number), offset: line.offset,
                                 bytes: line.bytes, complete: line.terminated))
        }
    }

    /// As `forEachLine`, but a line that `written` holds (by its offset: a record the writer has
    /// just appended, its newline within the file) is stepped over unread and given to `known`
    /// with its line number.
    static func forEachLine(of segment: Segment, from offset: Int64, firstLine: Int64, written: [Int64: WrittenRecord],
                            known: (WrittenRecord, Int64) throws -> Void, _ body: (SegmentLine) throws -> Void) throws {
        var reader = try opened(segment.path, from: offset, firstLine: firstLine)
        defer { reader.close() }
        let size: Int64
        do {
            size = written.isEmpty ? 0 : try reader.fileSize()
        } catch {
            throw IndexError.unreadable(path: segment.path, reason: "\(error.errno)")
        }
        while true {
            if let record = written[reader.nextOffset], record.offset + record.length < size {
                try known(record, Int64(reader.nextNumber))
                reader.skipLine(length: record.length)
                continue
            }
            guard let line = try next(&reader, segment.path) else { return }
            try body(SegmentLine(file: segment.file, line: Int64(line.number), offset: line.offset,
                                 bytes: line.bytes, complete: line.terminated))
        }
    }

    /// The line of `path` that starts at `offset`, nil at the end of the file.
    static func line(_ path: String, at offset: Int64) throws(IndexError) -> LineReader.Line? {
        var reader = try opened(path, from: offset, firstLine: 1)
        defer { reader.close() }
        return try next(&reader, path)
    }

    private static func opened(_ path: String, from offset: Int64, firstLine: Int64) throws(IndexError) -> LineReader {
        do {
            return try LineReader(path: path, offset: offset, firstLine: Int(firstLine))
        } catch {
            throw .unreadable(path: path, reason: "\(error.errno)")
        }
    }

    private static func next(_ reader: inout LineReader, _ path: String) throws(IndexError) -> LineReader.Line? {
        do {
            return try reader.next()
        } catch {
            throw .unreadable(path: path, reason: "\(error.errno)")
        }
    }
}
