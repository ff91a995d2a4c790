#if canImport(Glibc)
import Glibc
#endif
import Base
import SystemPackage

/// A segment the chain writer is appending to: its lines are written out as they are signed, in
/// chunks, and made durable together (`finish`: fsync, and the directory's fsync when this append
/// created the segment). Until then nothing is acknowledged; `cutBack` returns the segment to its
/// size before the append (removes it when the append created it).
struct OpenSegment {
    let segment: String
    let path: String
    let descriptor: FileDescriptor
    let created: Bool
    /// The segment's size when the append began: its lines start here.
    let oldSize: Int64
    /// Bytes of this append already written to the file.
    private(set) var flushed: Int64 = 0
    /// What is appended to the segment, in order.
    var records: [AppendedRecord] = []
    /// The lines (with their offsets in the segment) for `ChainWriter.written`.
    var lines: [WrittenRecord] = []
    var head: ChainHead

    /// Opens `segment` for appending, creating it when missing.
    static func open(_ segment: String, in directory: SegmentDirectory, head: ChainHead) throws -> OpenSegment {
        let path = directory.path(of: segment)
        let existing = try Syscalls.openExistingStateFile(path, O_WRONLY | O_APPEND)
        guard let fd = try existing ?? Syscalls.createStateFile(path, O_WRONLY | O_APPEND, mode: 0o640) else {
            throw ChainError(path: path, reason: "appeared while this writer held the lock")
        }
        do {
            let size = try Syscalls.status(fd, path: path).size
            return OpenSegment(segment: segment, path: path, descriptor: fd, created: existing == nil, oldSize: size, head: head)
        } catch {
            Syscalls.closeFile(fd)
            if existing == nil { Syscalls.remove(path) }
            throw error
        }
    }

    /// Where a line that starts at `position` of the buffer not yet written lies in the segment.
    func offset(ofBufferPosition position: Int) -> Int64 { oldSize + flushed + Int64(position) }

    /// Writes `buffer` (the next lines) to the segment, not durably yet.
    mutating func write(_ buffer: [UInt8]) throws {
        try Syscalls.writeAll(descriptor, buffer, path: path)
        flushed += Int64(buffer.count)
    }

    /// Writes the rest, fsyncs (and the directory for a new segment) and closes: the lines are
    /// durable when this returns.
    mutating func finish(_ rest: [UInt8], directory: SegmentDirectory) throws {
        if !rest.isEmpty { try write(rest) }
        // A batch (a daemon cycle's records) written, not durable yet: a kill here loses nothing acknowledged.
        if records.count > 1 { CrashPoint.reached("batch-written") }
        try Syscalls.sync(descriptor, path: path)
        if created { try Syscalls.fsyncDirectory(directory.path) }
        Syscalls.closeFile(descriptor)
    }

    /// Cuts the segment back to its size before the append (removed when the append created it)
    /// and closes it.
    func cutBack() {
        if created {
            Syscalls.remove(path)
        } else {
            try? Syscalls.truncate(descriptor, to: oldSize, path: path)
            try? Syscalls.sync(descriptor, path: path)
        }
        Syscalls.closeFile(descriptor)
    }
}
