import CTaskIter

/// The loaded BPF process event source (Sources/CTaskIter/proc_events.c): the fork, exec and exit
/// tracepoint programs attached and their ring buffer mapped. Opening needs root (or CAP_BPF and
/// CAP_PERFMON) and kernel BTF; the daemon opens it before it drops its capabilities and reads it
/// from then on with epoll_wait alone. Not thread-safe: one reader.
public final class ProcessEventSource: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Kept from poll to poll: the values of the last event decoded, shared by the next ones alike.
    private var decoder = ProcessEventDecoder()
    /// The ring buffer's size in bytes.
    public let ringBytes: Int

    /// The default ring buffer: 4 MiB, the fork, exec and exit of about 3,000 processes (with the
    /// ring's header an exec event takes 1,024 bytes, a fork or exit 192).
    public static let defaultRingBytes = 1 << 22

    private init(handle: OpaquePointer, ringBytes: Int) {
        self.handle = handle
        self.ringBytes = ringBytes
    }

    deinit { isotrace_proc_events_close(handle) }

    /// Loads and attaches the programs with a ring buffer of `ringBytes` (a power of two, at least a page).
    public static func open(ringBytes: Int = defaultRingBytes) throws(TaskIteratorError) -> ProcessEventSource {
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = isotrace_proc_events_open(ringBytes, &error, error.count) else {
            throw TaskIteratorError(reason: error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return ProcessEventSource(handle: handle, ringBytes: ringBytes)
    }

    /// Waits up to `milliseconds` for events and hands each to `body`, in the ring's order; returns
    /// how many were read. Each event is given (consumed), not lent: a reader that keeps it keeps
    /// it without a copy, so its arrays are not retained again here and released after `body`.
    @discardableResult
    public func poll(milliseconds: Int32, _ body: (consuming ProcessEvent) -> Void) throws(TaskIteratorError) -> Int {
        var error = [CChar](repeating: 0, count: 256)
        let count = withoutActuallyEscaping(body) { body -> Int32 in
            var box = Delivery(body: body, decoder: decoder)
            defer { decoder = box.decoder }
            return withUnsafeMutablePointer(to: &box) { pointer in
                isotrace_proc_events_poll(handle, milliseconds, { context, event in
                    guard let context, let event else { return 0 }
                    let delivery = context.assumingMemoryBound(to: Delivery.self)
                    if let decoded = delivery.pointee.decoder.decode(event) { delivery.pointee.body(decoded) } else { delivery.pointee.unknown += 1 }
                    return 0
                }, pointer, &error, error.count)
            }
        }
        guard count >= 0 else { throw TaskIteratorError(reason: error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }) }
        return Int(count)
    }

    /// Events the kernel side could not write because the ring buffer was full, since loading;
    /// nil when the counter cannot be read.
    public func lostEvents() -> UInt64? {
        let lost = isotrace_proc_events_lost(handle)
        return lost == UInt64.max ? nil : lost
    }

    private struct Delivery {
        var body: (consuming ProcessEvent) -> Void
        var decoder: ProcessEventDecoder
        var unknown = 0
    }
}
