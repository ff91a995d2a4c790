import Base
#if canImport(Glibc)
import Glibc
#endif
import ProcFS

/// Reads the process event source continuously on a thread of its own (ring_buffer__poll:
/// epoll_wait, then the mapped ring), so that the ring buffer drains between the daemon's cycles:
/// every `pollMilliseconds`, or at once when the ring is an eighth full (the BPF programs wake
/// the reader only then);
/// each cycle takes what was read with `drain()`. The events wait in memory up to `bufferLimit`;
/// beyond it they are counted (`bufferLost`), never silently dropped. The thread is started after
/// confinement (it inherits the dropped capabilities and the seccomp filter).
public final class ProcessEventCollector: @unchecked Sendable {
    public let source: ProcessEventSource
    public let bufferLimit: Int
    private var mutex = pthread_mutex_t()
    /// The polls' events waiting for `drain`, each poll's as it was read: handed over as they
    /// are, none copied (appending a poll's events to one array retained and released every
    /// string and array of each event again).
    private var buffer: [[ProcessEvent]] = []
    private var buffered = 0
    private var bufferLost: UInt64 = 0
    private var seen: UInt64 = 0
    private var failure: String?
    private var stopping = false
    private var thread: JoinableThread?

    /// What one drain hands over: the events since the last one, in the ring's order, and the
    /// running totals of what was lost.
    public struct Drained: Sendable {
        /// The events, poll by poll, as each poll read them.
        public var batches: [[ProcessEvent]]
        /// Events the kernel could not write (ring buffer full), since loading; nil when unreadable.
        public var ringLost: UInt64?
        /// Events read but not kept (more than `bufferLimit` waiting), since starting.
        public var bufferLost: UInt64
        /// Events read since starting.
        public var seen: UInt64
        /// Why reading stopped, when it did.
        public var failure: String?
    }

    public init(source: ProcessEventSource, bufferLimit: Int = 500_000) {
        self.source = source
        self.bufferLimit = bufferLimit
        pthread_mutex_init(&mutex, nil)
    }

    deinit {
        stop()
        pthread_mutex_destroy(&mutex)
    }

    /// One read with no wait and the lost-event counter: what the reading thread will do, tried
    /// once (after confinement: proof that the filter lets it through). Events read are kept.
    public func check() -> String? {
        do {
            try source.poll(milliseconds: 0) { event in self.keep(event) }
        } catch {
            return "\(error)"
        }
        return source.lostEvents() == nil ? "the lost-event counter is unreadable (bpf BPF_MAP_LOOKUP_ELEM)" : nil
    }

    /// Starts the reading thread (once).
    public func start() {
        guard thread == nil else { return }
        // The work holds the collector until it returns (after `stop`), as the thread must.
        let reader = JoinableThread { self.readUntilStopped() }
        if let error = reader.startError {
            locked { failure = "cannot start the reading thread: \(String(cString: strerror(error)))" }
        } else {
            thread = reader
        }
    }

    /// How long the reading thread waits for a wake-up before it reads the ring anyway.
    public static let pollMilliseconds: Int32 = 100

    /// Stops the reading thread and waits for it (it wakes at least every `pollMilliseconds`).
    public func stop() {
        guard let reader = thread else { return }
        locked { stopping = true }
        reader.join()
        thread = nil
    }

    public func drain() -> Drained {
        let ringLost = source.lostEvents()
        return locked {
            let drained = Drained(batches: buffer, ringLost: ringLost, bufferLost: bufferLost, seen: seen, failure: failure)
            buffer = []
            buffered = 0
            return drained
        }
    }

    /// Events waiting for the next drain.
    public var waiting: Int { locked { buffered } }

    /// Gives drained events back, ahead of those read since (a cycle that drained them and then
    /// could not sample hands them to the next drain instead of dropping them). What no longer fits
    /// under `bufferLimit` beside the events read since is counted lost, as `keep` counts it.
    public func putBack(_ batches: [[ProcessEvent]]) {
        let count = batches.reduce(0) { $0 + $1.count }
        guard count > 0 else { return }
        locked {
            var kept: [[ProcessEvent]] = []
            for batch in batches {
                if let part = fittedLocked(batch) { kept.append(part) }
            }
            buffer = kept + buffer
        }
    }

    private func readUntilStopped() {
        // Room for as many events as the last poll read: a poll's array is not grown and copied
        // again and again while it fills.
        var expected = 64
        while !locked({ stopping }) {
            do {
                var batch: [ProcessEvent] = []
                batch.reserveCapacity(expected)
                try source.poll(milliseconds: Self.pollMilliseconds) { batch.append($0) }
                expected = max(64, batch.count + batch.count / 4)
                if !batch.isEmpty { locked { keepLocked(batch) } }
            } catch {
                locked { failure = "\(error)" }
                return
            }
        }
    }

    private func keep(_ event: ProcessEvent) { locked { keepLocked([event]) } }

    /// Keeps a poll's events as they are (no event copied), as many as `bufferLimit` leaves room
    /// for (the rest counted as lost).
    private func keepLocked(_ batch: [ProcessEvent]) {
        seen += UInt64(batch.count)
        if let part = fittedLocked(batch) { buffer.append(part) }
    }

    /// The part of `batch` that fits under `bufferLimit` (the whole batch, not copied, when it
    /// all does; nil when none does), counted in `buffered`; the rest counted in `bufferLost`.
    private func fittedLocked(_ batch: [ProcessEvent]) -> [ProcessEvent]? {
        let room = max(0, bufferLimit - buffered)
        if batch.count <= room {
            buffered += batch.count
            return batch
        }
        bufferLost += UInt64(batch.count - room)
        guard room > 0 else { return nil }
        buffered += room
        return Array(batch.prefix(room))
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
