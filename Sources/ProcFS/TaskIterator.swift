import CTaskIter

/// The loaded and attached BPF task iterator (Sources/CTaskIter). Loading costs tens of
/// milliseconds and needs root (or CAP_BPF and CAP_PERFMON); each `read()` after that is one
/// pass over every task. The daemon loads it once, before dropping its capabilities, and reads
/// it every cycle.
public final class TaskIterator: @unchecked Sendable {
    private let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { isotrace_task_iter_close(handle) }

    /// Loads the BPF program against the running kernel's BTF and attaches the iterator.
    public static func open() throws(TaskIteratorError) -> TaskIterator {
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = isotrace_task_iter_open(&error, error.count) else {
            throw TaskIteratorError(reason: Self.text(error))
        }
        return TaskIterator(handle: handle)
    }

    /// Every thread-group leader of the caller's PID namespace, in the iterator's (PID) order.
    public func read() throws(TaskIteratorError) -> [TaskRecord] {
        try readRaw().map(TaskRecord.init)
    }

    /// The records as the kernel wrote them: the sampler compares a known process's record with
    /// its previous one byte for byte and converts only what changed.
    func readRaw() throws(TaskIteratorError) -> [isotrace_task_record] {
        var error = [CChar](repeating: 0, count: 512)
        var records: UnsafePointer<isotrace_task_record>?
        let count = isotrace_task_iter_read(handle, &records, &error, error.count)
        guard count >= 0, let records else { throw TaskIteratorError(reason: Self.text(error)) }
        return Array(UnsafeBufferPointer(start: records, count: count))
    }

    /// How many tasks, threads included, the last read visited (nil when the program's counter
    /// is not readable): with the kernel's thread count it tells whether the pass missed any.
    public func tasksVisitedByLastRead() -> UInt64? {
        let visited = isotrace_task_iter_tasks_visited(handle)
        return visited == UInt64.max ? nil : visited
    }

    private static func text(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// Why the task iterator cannot be loaded or read (no BTF, no privileges, object not built, ...).
public struct TaskIteratorError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}
