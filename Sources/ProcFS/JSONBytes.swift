import Base
import CProcShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A byte buffer that JSON is written into directly, formatted exactly as Foundation's
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` formats it: no whitespace,
/// `"`, `\` and control characters escaped (`\b \t \n \f \r`, else `\u00xx`), everything else
/// (including `/`, DEL and non-ASCII UTF-8) as it is. Callers write object keys in sorted order.
///
/// The bytes live in memory of its own, written through a pointer: a document of 10,000
/// processes is some hundred thousand small appends, and an array's uniqueness and capacity
/// checks on each were a third of the writer's time. A value is meant to be one writer's local
/// variable: copies share the buffer.
package struct JSONBytes {
    private final class Buffer {
        @exclusivity(unchecked) var base: UnsafeMutablePointer<UInt8>
        @exclusivity(unchecked) var count = 0
        @exclusivity(unchecked) var capacity: Int

        /// The last few environments, cgroup files, uid and gid maps and command lines written,
        /// with their bytes: the processes of a job share them (`JSONBytes.kept`).
        @exclusivity(unchecked) var environment = Kept<[String: String]>()
        @exclusivity(unchecked) var cgroups = Kept<[CgroupEntry]>()
        @exclusivity(unchecked) var uidMap = Kept<[IDMapEntry]>()
        @exclusivity(unchecked) var gidMap = Kept<[IDMapEntry]>()
        @exclusivity(unchecked) var arguments = Kept<[String]>()
        @exclusivity(unchecked) var namespaces = Kept<NamespaceSet>()
        @exclusivity(unchecked) var capabilities = Kept<CapabilitySets>()
        @exclusivity(unchecked) var uids = Kept<[UInt32]>()
        @exclusivity(unchecked) var gids = Kept<[UInt32]>()
        /// Environments written, by the identity of their storage (`EnvironmentBytes`).
        @exclusivity(unchecked) var environments = EnvironmentBytes()

        init(capacity: Int) {
            self.capacity = max(capacity, 64)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }

        /// Room for `more` bytes after `count`.
        @inline(__always)
        func reserve(_ more: Int) {
            if count + more > capacity { grow(count + more) }
        }

        @inline(never)
        func grow(_ needed: Int) {
            var newCapacity = capacity * 2
            while newCapacity < needed { newCapacity *= 2 }
            let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newBase.update(from: base, count: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }

        @inline(__always)
        func append(_ byte: UInt8) {
            reserve(1)
            base[count] = byte
            count += 1
        }

        @inline(__always)
        func append(_ bytes: UnsafeRawPointer, _ length: Int) {
            reserve(length)
            memcpy(base + count, bytes, length)
            count += length
        }
    }

    /// The values written last (up to `limit`, the latest last) and the bytes each was written
    /// as. More than one: the processes of two jobs, or a job's root and its workers, are often
    /// read in turn (on a realistic node of 10,000 processes the last environment written was
    /// that of 5,833 processes, the last four that of 6,772).
    fileprivate struct Kept<Value: Equatable> {
        static var limit: Int { 4 }
        var entries: [(value: Value, bytes: [UInt8])] = []
    }

    private let buffer: Buffer
    private var needsComma = false

    package init(capacity: Int) { buffer = Buffer(capacity: capacity) }

    /// What is written so far (a copy).
    package var bytes: [UInt8] { Array(UnsafeBufferPointer(start: buffer.base, count: buffer.count)) }
    /// How many bytes are written so far.
    package var count: Int { buffer.count }

    package mutating func beginObject() { separate(); buffer.append(UInt8(ascii: "{")); needsComma = false }
    package mutating func endObject() { buffer.append(UInt8(ascii: "}")); needsComma = true }
    package mutating func beginArray() { separate(); buffer.append(UInt8(ascii: "[")); needsComma = false }
    package mutating func endArray() { buffer.append(UInt8(ascii: "]")); needsComma = true }

    /// Hands what is written so far to `output` once it is `limit` bytes or more, and starts
    /// again (a document streamed in pieces, never held whole).
    package mutating func flush(over limit: Int = 65536, to output: ([UInt8]) -> Void) {
        flush(over: limit, to: { (bytes: UnsafeRawBufferPointer) in output(Array(bytes)) })
    }

    /// `flush(over:to:)` handing over the bytes in place, valid during the call only (no copy:
    /// a snapshot of 10,000 processes is some 30 MB of JSON).
    package mutating func flush(over limit: Int = 65536, to output: (UnsafeRawBufferPointer) -> Void) {
        guard buffer.count >= limit else { return }
        output(UnsafeRawBufferPointer(start: buffer.base, count: buffer.count))
        buffer.count = 0
    }

    /// Writes `"key":`; the value written next belongs to it.
    package mutating func key(_ key: StaticString) {
        separate()
        let length = key.utf8CodeUnitCount
        buffer.reserve(length + 3)
        let at = buffer.base + buffer.count
        at[0] = UInt8(ascii: "\"")
        memcpy(at + 1, key.utf8Start, length)
        at[length + 1] = UInt8(ascii: "\"")
        at[length + 2] = UInt8(ascii: ":")
        buffer.count += length + 3
        needsComma = false
    }

    /// The key at `index` of `keys`: its `"name":` text made once, copied (no String, no escaping
    /// per key: a process object has some fifty keys). A short key is copied as one 32-byte
    /// block (`JSONKeyList` keeps 32 readable bytes after each), not by a call to memcpy.
    @inline(__always)
    package mutating func key(_ keys: JSONKeyList, _ index: Int) {
        separate()
        let (start, length) = keys.text(index)
        if length <= JSONKeyList.block {
            buffer.reserve(JSONKeyList.block)
            UnsafeMutableRawPointer(buffer.base + buffer.count).copyMemory(from: start, byteCount: JSONKeyList.block)
            buffer.count += length
        } else {
            buffer.append(start, length)
        }
        needsComma = false
    }

    /// A key that is data (an environment variable's or an `unavailable` field's name).
    package mutating func key(_ key: String) {
        string(key)
        buffer.append(UInt8(ascii: ":"))
        needsComma = false
    }

    package mutating func null() { separate(); append("null") }

    /// Writes `json`, a whole value this writer made before, as the next value, byte for byte
    /// (the audit repeats a pilot's process object in each of its jobs).
    package mutating func rawValue(_ json: UnsafeRawBufferPointer) {
        separate()
        if let start = json.baseAddress { buffer.append(start, json.count) }
    }
    package mutating func bool(_ value: Bool) { separate(); append(value ? "true" : "false") }

    package mutating func integer<T: BinaryInteger>(_ value: T) {
        integer(negative: value < 0, magnitude: UInt64(value.magnitude))
    }

    /// `integer(_:)` for an Int64, not generic: a generic call from another module is not
    /// specialized and costs about ten times as much (the event entries write ~30 integers each).
    package mutating func integer(_ value: Int64) {
        integer(negative: value < 0, magnitude: value.magnitude)
    }

    @inline(__always)
    private mutating func integer(negative: Bool, magnitude: UInt64) {
        separate()
        // Written in place, last digit first, two digits a division (inodes, start ticks and
        // the like have ten or more): no scratch copy, no memcpy call per number.
        buffer.reserve(21)
        var start = buffer.base + buffer.count
        if negative {
            start.pointee = UInt8(ascii: "-")
            start += 1
        }
        // The digit count from the bit length (log10(2) ~ 1233/4096), corrected by one compare.
        let estimate = ((64 - magnitude.leadingZeroBitCount) &* 1233) >> 12
        let digits = max(1, estimate + 1 - (magnitude < Self.powersOfTen[estimate] ? 1 : 0))
        var end = start + digits
        var magnitude = magnitude
        let pairs = Self.digitPairs.utf8Start
        while magnitude >= 100 {
            let pair = Int(truncatingIfNeeded: magnitude % 100) &* 2
            magnitude /= 100
            end -= 2
            end[0] = pairs[pair]
            end[1] = pairs[pair + 1]
        }
        if magnitude >= 10 {
            let pair = Int(truncatingIfNeeded: magnitude) &* 2
            end -= 2
            end[0] = pairs[pair]
            end[1] = pairs[pair + 1]
        } else {
            end -= 1
            end[0] = UInt8(truncatingIfNeeded: magnitude) + 48
        }
        buffer.count = buffer.base.distance(to: start) + digits
    }

    /// 10^0 to 10^19.
    private static let powersOfTen: [UInt64] = (0..<20).map { power in (0..<power).reduce(UInt64(1)) { value, _ in value * 10 } }

    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    package mutating func string(_ value: String) {
        separate()
        // The UTF-8 in place (no copy of the String to make it contiguous, no retain): every
        // String the writer gets is native or small.
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            var value = value
            value.withUTF8 { appendEscaped($0) }
        }
        needsComma = true
    }

    /// `"` + the bytes with `"`, `\\` and control characters escaped + `"`, in one C call
    /// (`isotrace_json_append_string`): the clean run up to the next byte that needs an escape
    /// is found and copied sixteen bytes at a time (SSE2; Swift's SIMD types compile to scalar
    /// loops here). The command lines and paths of a node are long and almost never need an
    /// escape, and a node has some hundred thousand strings: one call each, no Swift loop.
    private func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        let count = utf8.count
        guard let base = utf8.baseAddress, count > 0 else {
            append("\"\"")
            return
        }
        // Every byte escaped (`\u00xx`), two quotes and the 16 bytes of scratch the copy may
        // store past its end.
        buffer.reserve(count &* 6 &+ 18)
        buffer.count &+= isotrace_json_append_string(buffer.base + buffer.count, base, count)
    }

    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? value + 48 : value + 87 }

    /// A capability mask as /proc prints it (16 lower-case hex digits), as a JSON string;
    /// the same text as `Capability.hex`.
    package mutating func hexMask(_ mask: UInt64) {
        separate()
        buffer.reserve(18)
        let at = buffer.base + buffer.count
        at[0] = UInt8(ascii: "\"")
        for index in 0..<16 {
            at[1 + index] = Self.hexDigit(UInt8(truncatingIfNeeded: (mask >> UInt64(60 - 4 * index)) & 0xF))
        }
        at[17] = UInt8(ascii: "\"")
        buffer.count += 18
    }

    package mutating func string(_ value: String?) { if let value { string(value) } else { null() } }

    /// A time as its `description` in quotes, the 24 bytes written in place (no String: a
    /// sample writes one start time per process).
    package mutating func time(_ time: UTCTime) {
        separate()
        buffer.reserve(26)
        let at = buffer.base + buffer.count
        guard time.writeRFC3339(at + 1) else {
            needsComma = false
            return string(time.description)
        }
        at[0] = UInt8(ascii: "\"")
        at[25] = UInt8(ascii: "\"")
        buffer.count += 26
    }

    package mutating func strings(_ values: [String]?) {
        guard let values else { return null() }
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// A command line (`strings`); the last ones written are kept, as `dictionary` keeps
    /// environments: the processes of a job often share one (see `LastCommandLine`).
    package mutating func arguments(_ values: [String]?) {
        guard let values else { return null() }
        let buffer = self.buffer
        kept(values, &buffer.arguments, storage: Self.storage) { json in json.strings(values) }
    }

    /// A process's uids or gids (`integers`), the last ones written kept: nearly every process
    /// of a node has one of a few.
    package mutating func ids(_ values: [UInt32]?, gid: Bool) {
        guard let values else { return null() }
        let buffer = self.buffer
        if gid {
            kept(values, &buffer.gids, storage: Self.storage) { json in json.integers(values) }
        } else {
            kept(values, &buffer.uids, storage: Self.storage) { json in json.integers(values) }
        }
    }

    /// A namespace object written by `write`; the last ones are kept (a job's processes share
    /// their namespaces: nine inodes compared instead of nine keys and numbers written).
    package mutating func namespaces(_ set: NamespaceSet, _ write: (inout JSONBytes) -> Void) {
        let buffer = self.buffer
        kept(set, &buffer.namespaces, write)
    }

    /// A capabilities object written by `write`; the last ones are kept.
    package mutating func capabilities(_ sets: CapabilitySets, _ write: (inout JSONBytes) -> Void) {
        let buffer = self.buffer
        kept(sets, &buffer.capabilities, write)
    }

    package mutating func integers<T: BinaryInteger>(_ values: [T]?) {
        guard let values else { return null() }
        beginArray()
        for value in values { integer(value) }
        endArray()
    }

    /// A `[String: String]` with its keys sorted as `JSONEncoder` sorts them (String order). The
    /// bytes of the last ones written are kept: the processes of a job share their environment
    /// (one dictionary, which `==` tells in constant time), and the sort and escaping are then
    /// done once for the job, not once per process.
    ///
    /// The sampler hands the processes of a job one dictionary (`SharedEnvironments`): one
    /// written before is found first by the identity of its storage, among all of the sample's
    /// (`EnvironmentBytes`), then by `==` among the last few.
    package mutating func dictionary(_ values: [String: String]?) {
        guard let values else { return null() }
        let buffer = self.buffer
        if let bytes = buffer.environments.bytes(of: values) {
            separate()
            bytes.withUnsafeBufferPointer { buffer.append($0.baseAddress!, $0.count) }
            needsComma = true
            return
        }
        let start = buffer.count + (needsComma ? 1 : 0)
        kept(values, &buffer.environment) { json in
            json.beginObject()
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                json.key(key)
                json.string(value)
            }
            json.endObject()
        }
        buffer.environments.keep(values, Array(UnsafeBufferPointer(start: buffer.base + start, count: buffer.count - start)))
    }

    /// The lines of a cgroup file as an array of strings; the last arrays written are kept (the
    /// sampler shares one array among the processes whose files are the same).
    package mutating func cgroupLines(_ entries: [CgroupEntry]) {
        let buffer = self.buffer
        kept(entries, &buffer.cgroups, storage: Self.storage) { json in
            json.beginArray()
            for entry in entries { json.string(entry.line) }
            json.endArray()
        }
    }

    /// A uid or gid map (`uid_map` / `gid_map`) as written by `write`; the last of each are kept
    /// (the sampler reads the maps once per user namespace and shares them).
    package mutating func idMap(_ map: [IDMapEntry], gid: Bool, _ write: (inout JSONBytes) -> Void) {
        let buffer = self.buffer
        if gid {
            kept(map, &buffer.gidMap, storage: Self.storage, write)
        } else {
            kept(map, &buffer.uidMap, storage: Self.storage, write)
        }
    }

    /// Writes `value` through `write`, or copies the bytes kept for it when it equals one of the
    /// values last written there (the latest compared first); keeps what was written.
    ///
    /// Arrays are first looked for by their storage among all kept (the sampler shares one array
    /// among the processes whose values are the same), and only then compared element by element:
    /// a kept cgroup list of the same length but another job's was compared line by line first.
    @inline(__always)
    private mutating func kept<Value: Equatable>(_ value: Value, _ kept: inout Kept<Value>, storage: (Value) -> UnsafeRawPointer? = { _ in nil },
                                                 _ write: (inout JSONBytes) -> Void) {
        separate()
        needsComma = false
        var index = kept.entries.count - 1
        if let address = storage(value) {
            while index >= 0 && storage(kept.entries[index].value) != address { index -= 1 }
            if index >= 0 { return copyKept(kept.entries[index].bytes) }
            index = kept.entries.count - 1
        }
        while index >= 0 && kept.entries[index].value != value { index -= 1 }
        if index >= 0 {
            kept.entries[index].bytes.withUnsafeBufferPointer { buffer.append($0.baseAddress!, $0.count) }
        } else {
            let start = buffer.count
            write(&self)
            if kept.entries.count == Kept<Value>.limit { kept.entries.removeFirst() }
            kept.entries.append((value, Array(UnsafeBufferPointer(start: buffer.base + start, count: buffer.count - start))))
        }
        needsComma = true
    }

    private mutating func copyKept(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer.append($0.baseAddress!, $0.count) }
        needsComma = true
    }

    /// Where an array's elements are: `kept`'s identity of an array.
    @inline(__always)
    private static func storage<Element>(_ array: [Element]) -> UnsafeRawPointer? {
        array.withUnsafeBytes { $0.baseAddress }
    }

    /// An `unavailable` map: each reason as its text, keys sorted as `dictionary` sorts them.
    package mutating func dictionary(_ values: [String: UnavailableReason]) {
        // Most processes have every field: `{}` without sorting an empty map.
        if values.isEmpty {
            separate()
            append("{}")
            return
        }
        beginObject()
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            self.key(key)
            string(value.description)
        }
        endObject()
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { buffer.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    @inline(__always)
    private func append(_ text: StaticString) {
        buffer.append(text.utf8Start, text.utf8CodeUnitCount)
    }
}

/// The bytes of the environments written so far, by the identity of each dictionary's storage
/// (kept alive here, so an address is never that of another dictionary). Up to `limit`; past
/// it only the last few are compared (`JSONBytes.Kept`), as before.
struct EnvironmentBytes {
    static let limit = 4096
    /// Keyed by the storage's address as an Int (a dictionary type the runtime knows already:
    /// a new generic instantiation costs a conformance search of the whole binary at start).
    private var byStorage: [Int: Int] = [:]
    private var kept: [(values: [String: String], bytes: [UInt8])] = []

    /// The storage of a dictionary: one reference (`Dictionary` is one word on Linux, no bridging).
    private static func storage(of values: [String: String]) -> Int {
        Int(bitPattern: unsafeBitCast(values, to: UnsafeRawPointer.self))
    }

    func bytes(of values: [String: String]) -> [UInt8]? {
        byStorage[Self.storage(of: values)].map { kept[$0].bytes }
    }

    mutating func keep(_ values: [String: String], _ bytes: [UInt8]) {
        guard kept.count < Self.limit else { return }
        byStorage[Self.storage(of: values)] = kept.count
        kept.append((values, bytes))
    }
}

/// The keys of one kind of object with their JSON text (`"name":`, as `JSONBytes.key(_: String)`
/// writes it) made once, in one block of memory: `JSONBytes.key(_:_:)` copies one by its index.
package final class JSONKeyList: @unchecked Sendable {
    /// Never written after `init`.
    private let storage: UnsafeMutablePointer<UInt8>
    private let starts: [Int]

    /// How many bytes `JSONBytes.key(_:_:)` copies at once for a short key: every key's text is
    /// followed by at least that many readable bytes.
    static let block = 32

    package init(_ names: [String]) {
        var text: [UInt8] = []
        var offsets = [0]
        for name in names {
            var json = JSONBytes(capacity: 64)
            json.key(name)
            text.append(contentsOf: json.bytes)
            offsets.append(text.count)
        }
        text.append(contentsOf: repeatElement(0, count: Self.block))
        storage = .allocate(capacity: text.count)
        storage.initialize(from: text, count: text.count)
        starts = offsets
    }

    deinit { storage.deallocate() }

    /// Where the text of the key at `index` is, and its length.
    @inline(__always)
    func text(_ index: Int) -> (UnsafePointer<UInt8>, Int) {
        (UnsafePointer(storage + starts[index]), starts[index + 1] - starts[index])
    }
}
