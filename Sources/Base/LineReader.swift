import Glibc
import SystemPackage

/// Reads a file line by line in large chunks, without loading the whole file: each line's
/// bytes (without the newline), its 1-based number, and whether a newline ended it (only a
/// crashed or truncated last line has none). The files it reads are the tool's own (segments), so
/// it follows no symbolic link on the way (`Syscalls.openStateFile`).
public struct LineReader {
    public struct Line {
        public var number: Int
        public var bytes: [UInt8]
        public var terminated: Bool
    }

    private let fd: FileDescriptor
    private let path: String
    private var offset: Int64 = 0
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var number = 0
    private let chunkSize = 1 << 20

    public init(path: String) throws(SystemCallError) {
        self.path = path
        fd = try Syscalls.openStateFile(path, O_RDONLY)
    }

    public func close() { Syscalls.closeFile(fd) }

    public mutating func next() throws(SystemCallError) -> Line? {
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
                number += 1
                let line = Line(number: number, bytes: Array(buffer[start..<newline]), terminated: true)
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                number += 1
                defer { start = buffer.count }
                return Line(number: number, bytes: Array(buffer[start...]), terminated: false)
            }
            buffer.removeSubrange(0..<start)
            start = 0
            searchFrom = buffer.count
            let chunk = try Syscalls.read(fd, at: offset, count: chunkSize, path: path)
            offset += Int64(chunk.count)
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
