import Dispatch

/// Runs async database work from synchronous code (the command-line tool, the daemon loop) and
/// waits for it: the caller's thread blocks, the work runs on the concurrency pool.
public enum Blocking {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () async throws(SinkError) -> T) throws(SinkError) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do throws(SinkError) {
                box.result = .success(try await body())
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

/// Written once by the task before the semaphore is signalled, read after the wait.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, SinkError>?
}
