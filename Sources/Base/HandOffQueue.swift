#if canImport(Glibc)
import Glibc
#endif

/// Elements handed from one thread to another in order: the producer `put`s and then `finish`es,
/// the consumer iterates, waiting while the queue is empty and not finished. Unbounded: the
/// producer never waits.
public final class HandOffQueue<Element>: Sequence, @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var elements: [Element] = []
    private var taken = 0
    private var finished = false

    public init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    public func put(_ element: Element) {
        pthread_mutex_lock(&mutex)
        elements.append(element)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// No more elements come: the consumer's iteration ends after the last one.
    public func finish() {
        pthread_mutex_lock(&mutex)
        finished = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// The next element, waiting for one; nil once finished and all were taken.
    public func take() -> Element? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while taken == elements.count && !finished { pthread_cond_wait(&condition, &mutex) }
        guard taken < elements.count else { return nil }
        let element = elements[taken]
        taken += 1
        if taken == elements.count {
            // Everything handed over so far is taken: let go of it.
            elements.removeAll(keepingCapacity: true)
            taken = 0
        }
        return element
    }

    public struct Iterator: IteratorProtocol {
        let queue: HandOffQueue
        public mutating func next() -> Element? { queue.take() }
    }

    public func makeIterator() -> Iterator { Iterator(queue: self) }
}
