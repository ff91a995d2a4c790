#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Values made from file contents during one sample, kept by content: the processes of a node
/// sit in a few hundred cgroups, and the processes of a job inherit one environment, so most
/// `/proc/<pid>/cgroup` files and most kept environments are byte for byte one seen before.
/// Such content is neither parsed nor stored again: its processes share one value (one array of
/// cgroup entries, one dictionary), which is what a sample of 10,000 processes holds in memory.
struct ContentCache<Value> {
    /// Distinct contents kept at most; past it a value is made on its own (a hostile node with a
    /// cgroup per process costs what it cost before, not more).
    let capacity: Int

    private var kept: [(bytes: [UInt8], value: Value)] = []
    /// Content hash -> indices into `kept`.
    private var byHash: [Int: [Int]] = [:]
    /// The last few contents found or kept (indices into `kept`, the latest last): the
    /// processes of a few jobs read in turn find theirs here, compared without hashing.
    private var recent: [Int] = []

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// The value made from `bytes`: shared with earlier identical content, else `make()`.
    mutating func value<Failure: Error>(
        for bytes: UnsafeRawBufferPointer, _ make: () throws(Failure) -> Value
    ) throws(Failure) -> Value {
        for index in recent.reversed() where Self.same(kept[index].bytes, bytes) { return kept[index].value }
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        let hash = hasher.finalize()
        for index in byHash[hash] ?? [] where Self.same(kept[index].bytes, bytes) {
            remember(index)
            return kept[index].value
        }
        let value = try make()
        if kept.count < capacity {
            remember(kept.count)
            byHash[hash, default: []].append(kept.count)
            kept.append((Array(bytes.bindMemory(to: UInt8.self)), value))
        }
        return value
    }

    private mutating func remember(_ index: Int) {
        if recent.count == 4 { recent.removeFirst() }
        recent.append(index)
    }

    private static func same(_ stored: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        stored.count == bytes.count && (stored.isEmpty || stored.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
    }
}
