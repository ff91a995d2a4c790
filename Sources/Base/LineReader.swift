import Glibc
import SystemPackage

/// The one line reader: reads a file line by line in large chunks, without loading the whole
/// file, from its start or from a byte offset (an index or a ship cursor resuming): each line's
/// bytes (without the newline), its 1-based number, its byte offset, and whether a newline ended
/// it (only a crashed, truncated or still-being-written last line has none). The files it reads
/// are the tool's own (segments), so it follows no symbolic link on the way (`Syscalls.openStateFile`).
public struct LineReader {
    public struct Line {
        public var number: Int
        public var bytes: [UInt8]
        public var terminated: Bool
        /// Where the line starts in the file.
        public var offset: Int64
    }

    private let fd: FileDescriptor
    private let path: String
    private var offset: Int64
    /// The file offset of `buffer[0]`.
    private var bufferOffset: Int64
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var number: Int
    private let chunkSize = 1 << 20

    /// Reads `path` from byte `offset` on, the line there being number `firstLine`.
    public init(path: String, offset: Int64 = 0, firstLine: Int = 1) throws(SystemCallError) {
        self.path = path
        self.offset = offset
        bufferOffset = offset
        number = firstLine - 1
        fd = try Syscalls.openStateFile(path, O_RDONLY)
    }

    public func close() { Syscalls.closeFile(fd) }

    /// The file's size now.
    public func fileSize() throws(SystemCallError) -> Int64 { try Syscalls.status(fd, path: path).size }

    /// Where the next line starts, and its number.
    public var nextOffset: Int64 { bufferOffset + Int64(start) }
    public var nextNumber: Int { number + 1 }

    /// Steps over the next line without reading it: the caller knows it is `length` bytes and a
    /// newline (a line it wrote itself). What lies beyond is read as before.
    public mutating func skipLine(length: Int64) {
        let end = Int64(start) + length + 1
        number += 1
        if end <= Int64(buffer.count) {
            start = Int(end)
            return
        }
        let target = bufferOffset + end
        buffer.removeAll(keepingCapacity: true)
        start = 0
        bufferOffset = target
        offset = target
        atEnd = false
    }

    public mutating func next() throws(SystemCallError) -> Line? {
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
                number += 1
                let line = Line(number: number, bytes: Array(buffer[start..<newline]), terminated: true,
                                offset: bufferOffset + Int64(start))
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                number += 1
                defer { start = buffer.count }
                return Line(number: number, bytes: Array(buffer[start...]), terminated: false, offset: bufferOffset + Int64(start))
            }
            buffer.removeSubrange(0..<start)
            bufferOffset += Int64(start)
            start = 0
            searchFrom = buffer.count
            let chunk = try Syscalls.read(fd, at: offset, count: chunkSize, path: path)
            offset += Int64(chunk.count)
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
