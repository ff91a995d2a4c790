import Glibc

/// One argument's UTF-8 bytes while the secret redactor's rules rewrite them. One buffer serves
/// every argument of a command line, so a candidate argument costs a copy, not an allocation.
struct RedactionBuffer {
    static let markerBytes: [UInt8] = Array(SecretRedactor.marker.utf8)

    private var bytes: [UInt8] = []
    /// Whether a rule replaced anything since `load`.
    private(set) var changed = false

    var count: Int { bytes.count }

    mutating func load(_ text: some Collection<UInt8>) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: text)
        changed = false
    }

    @inline(__always)
    subscript(index: Int) -> UInt8 { bytes[index] }

    /// The index of the next `byte` at or after `start`, or `count` (memchr: rules jump from one
    /// candidate to the next instead of stepping through every byte).
    func next(_ byte: UInt8, from start: Int) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            guard start < buffer.count, let base = buffer.baseAddress,
                  let hit = memchr(base + start, Int32(byte), buffer.count - start) else { return buffer.count }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    func withBytes<T>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    func hasFolded(at offset: Int, _ word: StaticString) -> Bool {
        bytes.withUnsafeBufferPointer { ASCIIScan.hasFolded($0, at: offset, word) }
    }

    /// The Unicode scalar whose UTF-8 sequence starts at `lead`.
    func scalar(at lead: Int) -> Unicode.Scalar? {
        var iterator = bytes[lead...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }

    /// Replaces `range` with the marker.
    mutating func replace(_ range: Range<Int>) {
        bytes.replaceSubrange(range, with: Self.markerBytes)
        changed = true
    }

    /// The rewritten text.
    func text() -> String { String(decoding: bytes, as: UTF8.self) }

    /// The rewritten text; `original` itself when the rewriting gave back the same bytes.
    func text(unlessEqualTo original: String) -> String {
        if original.utf8.elementsEqual(bytes) { return original }
        return String(decoding: bytes, as: UTF8.self)
    }
}
