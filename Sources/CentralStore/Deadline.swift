import Foundation

/// Runs async work with a deadline: a connection whose server vanished mid-statement must fail
/// the ship (and let the daemon's next cycle try again), never hang it. The work is not awaited
/// past the deadline; the caller closes the connection it used.
enum Deadline {
    static func run<T: Sendable>(seconds: Int, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws(SinkError) -> T {
        let gate = Gate<T>()
        let result: Result<T, SinkError> = await withCheckedContinuation { continuation in
            gate.arm(continuation)
            let work = Task {
                do {
                    gate.finish(.success(try await body()))
                } catch {
                    gate.finish(.failure(.database("\(what): \(SinkError.describe(error))")))
                }
            }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
                if gate.finish(.failure(.database("\(what): no answer within \(seconds) s"))) { work.cancel() }
            }
        }
        return try result.get()
    }
}

/// Resumes its continuation once, with whichever result comes first.
private final class Gate<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<T, SinkError>, Never>?
    private var early: Result<T, SinkError>?

    func arm(_ continuation: CheckedContinuation<Result<T, SinkError>, Never>) {
        lock.lock()
        if let early {
            lock.unlock()
            continuation.resume(returning: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    /// True when this result was the first.
    @discardableResult
    func finish(_ result: Result<T, SinkError>) -> Bool {
        lock.lock()
        if let continuation {
            self.continuation = nil
            early = result
            lock.unlock()
            continuation.resume(returning: result)
            return true
        }
        if early == nil {
            early = result
            lock.unlock()
            return true
        }
        lock.unlock()
        return false
    }
}
