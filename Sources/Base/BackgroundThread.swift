#if canImport(Glibc)
import Glibc
#endif

/// Runs a piece of work on a thread of its own (pthread) and hands its result to whoever joins
/// it: the daemon signs a cycle's records on one while it builds them on the other. When no
/// thread can be started (EAGAIN, a filter refusing clone) the work runs in `join()` instead, on
/// the joining thread: slower, never lost.
///
/// The work must not touch state another thread uses meanwhile; everything it needs is captured
/// by the closure, and everything it gives is its result.
public final class BackgroundThread<Result>: @unchecked Sendable {
    private let thread: JoinableThread

    public init(_ work: @escaping () -> Result) {
        var result: Result?
        thread = JoinableThread { result = work() }
        // The thread writes `result` through the box the closure captured; joining makes it visible.
        self.resultBox = { result }
    }

    private let resultBox: () -> Result?

    /// Whether the work runs on its own thread (false: it runs in `join()`).
    public var isThreaded: Bool { thread.isThreaded }

    /// Whether `join()` would return without waiting for another thread: the work has ended, or
    /// no thread started (`join()` then runs it on the joining thread).
    public var isDone: Bool { thread.isDone }

    /// Waits for the work to end and returns its result (runs it here when no thread started).
    /// Call once.
    public func join() -> Result {
        thread.join()
        return resultBox()!
    }
}

/// A pthread running one closure, joined once: under `BackgroundThread` (not generic: a C
/// thread entry point cannot be), and the process events' reading thread. When no thread can be
/// started the work stays here and runs in `join()`, or not at all if the owner drops it.
public final class JoinableThread: @unchecked Sendable {
    private var work: (() -> Void)?
    private var handle: pthread_t?
    private var doneLock = pthread_mutex_t()
    private var done = false
    /// Why no thread started (pthread_create's error number), nil when one did.
    public private(set) var startError: Int32?

    public init(_ work: @escaping () -> Void) {
        self.work = work
        pthread_mutex_init(&doneLock, nil)
        start()
    }

    deinit {
        pthread_mutex_destroy(&doneLock)
    }

    private func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var created = pthread_t()
        let status = pthread_create(&created, nil, { context in
            let thread = Unmanaged<JoinableThread>.fromOpaque(context!).takeRetainedValue()
            thread.run()
            return nil
        }, context)
        if status == 0 {
            handle = created
        } else {
            startError = status
            Unmanaged<JoinableThread>.fromOpaque(context).release()
        }
    }

    public var isThreaded: Bool { handle != nil }

    /// Whether `join()` would return without waiting for another thread (see `BackgroundThread`).
    public var isDone: Bool {
        guard handle != nil else { return true }
        pthread_mutex_lock(&doneLock)
        defer { pthread_mutex_unlock(&doneLock) }
        return done
    }

    private func run() {
        work?()
        work = nil
        pthread_mutex_lock(&doneLock)
        done = true
        pthread_mutex_unlock(&doneLock)
    }

    /// Waits for the thread to end (runs the work here when no thread started). Call once.
    public func join() {
        if let handle {
            pthread_join(handle, nil)
            self.handle = nil
        } else if work != nil {
            run()
        }
    }
}
