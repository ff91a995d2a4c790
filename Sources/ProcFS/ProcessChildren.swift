import Base

/// The children the kernel lists for a task: `/proc/<pid>/task/<pid>/children` (proc(5); one
/// space-separated line of PIDs). Used to wait for a process tree to be up (`isotrace simulate`).
public enum ProcessChildren {
    /// The PIDs in a `children` file's bytes.
    public static func parse(_ bytes: some Collection<UInt8>) -> [Int32] {
        bytes.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
            .compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
    }

    /// The children of `pid` below `procRoot`; none when the process is gone or the file cannot be read.
    public static func of(_ pid: Int32, procRoot: String = "/proc") -> [Int32] {
        var buffer: [UInt8] = []
        let path = "\(procRoot)/\(pid)/task/\(pid)/children"
        guard let count = try? Syscalls.readFile(at: nil, path, displayPath: path, into: &buffer) else { return [] }
        return parse(buffer[..<count])
    }

    /// How many descendants `pid` has, following the children files down.
    public static func descendantCount(of pid: Int32, procRoot: String = "/proc") -> Int {
        var count = 0
        var queue = [pid]
        while let next = queue.popLast() {
            let children = of(next, procRoot: procRoot)
            count += children.count
            queue += children
        }
        return count
    }
}
