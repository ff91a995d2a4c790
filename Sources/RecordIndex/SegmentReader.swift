import Base

/// A daily segment `records/<YYYY-MM-DD>.jsonl`; `.partial` files and anything else are not
/// segments. Segments sort by name, which is their order in the chain.
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
    var bytes: ArraySlice<UInt8>
    var complete: Bool
}

/// Lists segments and reads their lines from a byte offset, so an incremental update reads only
/// what was appended since the last indexed record.
enum SegmentReader {
    static func segments(directory: String) throws(IndexError) -> [Segment] {
        let recordsPath = directory + "/records"
        let names: [String]
        do {
            names = try Syscalls.listDirectory(recordsPath).filter(isSegmentName)
        } catch where error.errno == .noSuchFileOrDirectory && error.operation == "opendir" {
            throw .noRecords(path: recordsPath)
        } catch {
            throw .unreadable(path: recordsPath, reason: "\(error.errno)")
        }
        return names.sorted().map { Segment(file: "records/" + $0, path: recordsPath + "/" + $0) }
    }

    /// `YYYY-MM-DD.jsonl`.
    static func isSegmentName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 16, name.hasSuffix(".jsonl") else { return false }
        return bytes[0..<10].enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 ? byte == UInt8(ascii: "-") : (48...57).contains(byte)
        }
    }

    /// Calls `body` for every line of `segment` from `offset` on; `firstLine` is the number of
    /// the line at `offset`.
    static func forEachLine(of segment: Segment, from offset: Int64, firstLine: Int64,
                            _ body: (SegmentLine) throws -> Void) throws {
        let bytes = try read(segment.path, from: offset)
        var start = bytes.startIndex
        var number = firstLine
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            try body(SegmentLine(file: segment.file, line: number, offset: offset + Int64(start),
                                 bytes: bytes[start..<end], complete: end < bytes.endIndex))
            number += 1
            start = end + 1
        }
    }

    /// The bytes of `path` from `offset`: `length` of them, or up to its end.
    static func read(_ path: String, from offset: Int64, length: Int64? = nil) throws(IndexError) -> [UInt8] {
        do {
            return try Syscalls.readRange(path, from: offset, length: length, followingLinks: false)
        } catch {
            throw .unreadable(path: path, reason: "\(error.errno)")
        }
    }
}
