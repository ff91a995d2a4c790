import Base
import SystemPackage

/// The end of a segment, read backwards: where its complete lines end, and its last complete line.
/// Bytes after `completeEnd` are a partial line left by a crash.
struct SegmentTail {
    var size: Int64
    var completeEnd: Int64
    var lastLine: [UInt8]?

    var hasPartialLine: Bool { completeEnd < size }

    static func read(_ fd: FileDescriptor, path: String) throws(SystemCallError) -> SegmentTail {
        let size = try Syscalls.status(fd, path: path).size
        var position = size
        var tail: [UInt8] = []
        let chunk: Int64 = 256 * 1024
        while position > 0 && tail.lazy.filter({ $0 == 0x0A }).count < 2 {
            let start = max(0, position - chunk)
            tail = try Syscalls.read(fd, at: start, count: Int(position - start), path: path) + tail
            position = start
        }
        guard let lastNewline = tail.lastIndex(of: 0x0A) else {
            return SegmentTail(size: size, completeEnd: position, lastLine: nil)
        }
        let lineStart = tail[..<lastNewline].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return SegmentTail(size: size, completeEnd: position + Int64(lastNewline) + 1, lastLine: Array(tail[lineStart..<lastNewline]))
    }
}
