import CTaskIter
#if canImport(Glibc)
import Glibc
#endif

/// Decodes the BPF programs' events (`ProcessEvent(_:)`), keeping the values of the last event
/// it decoded: a value whose bytes are those of the last one is that value again, its storage
/// shared, not a new array or string. A payload's loop gives thousands of events a second with
/// the same ids, namespaces, working directory, program and arguments; each would otherwise be
/// a few allocations (and their copies and releases down to the records). The values are the
/// same either way (`ProcessEventDecoderTests`). One reader: not thread-safe.
public struct ProcessEventDecoder {
    private var uids = Kept<[UInt32]>()
    private var gids = Kept<[UInt32]>()
    private var namespaces = Kept<NamespaceSet>()
    private var cwdName = Kept<String>()
    private var filename = Kept<String>()
    private var arguments = Kept<[String]>()

    public init() {}

    /// The event at `e`, or nil for an unknown kind.
    public mutating func decode(_ e: UnsafePointer<isotrace_proc_event>) -> ProcessEvent? {
        let kind: ProcessEvent.Kind
        switch e.pointee.kind {
        case UInt32(ISOTRACE_EVENT_FORK): kind = .fork
        case UInt32(ISOTRACE_EVENT_EXEC): kind = .exec
        case UInt32(ISOTRACE_EVENT_EXIT): kind = .exit
        default: return nil
        }
        let raw = UnsafeRawPointer(e)
        func field(_ place: (offset: Int, size: Int), limit: Int = .max) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: raw + place.offset, count: min(place.size, limit))
        }
        let uidBytes = field(Self.uidsField)
        let gidBytes = field(Self.gidsField)
        let nsBytes = field(Self.namespacesField)
        var event = ProcessEvent(
            kind: kind, pid: e.pointee.pid, ppid: e.pointee.ppid, sid: e.pointee.sid,
            startBoottimeNanoseconds: e.pointee.start_boottime_ns, parentStartBoottimeNanoseconds: e.pointee.parent_start_boottime_ns,
            boottimeNanoseconds: e.pointee.time_boottime_ns,
            uids: uids.value(for: uidBytes) { Array($0.bindMemory(to: UInt32.self)) },
            gids: gids.value(for: gidBytes) { Array($0.bindMemory(to: UInt32.self)) },
            namespaces: namespaces.value(for: nsBytes) { _ in TaskRecord.namespaces(e.pointee.ns_inodes) },
            cgroupID: e.pointee.cgroup_id,
            comm: Self.text(field(Self.commField, limit: 16)),
            exitStatus: e.pointee.exit_code)
        event.argumentsTruncated = e.pointee.args_truncated != 0
        if kind == .exec {
            let cwd = Self.untilNUL(field(Self.cwdField, limit: Int(ISOTRACE_EVENT_CWD)))
            event.cwdName = cwdName.value(for: cwd) { Self.text($0) }
            let file = Self.untilNUL(field(Self.filenameField, limit: Int(ISOTRACE_EVENT_FILENAME)))
            event.filename = filename.value(for: file) { Self.text($0) }
            let size = min(Int(e.pointee.args_size), Int(ISOTRACE_EVENT_ARGS))
            event.arguments = arguments.value(for: field(Self.argsField, limit: size)) { ProcessArguments.parse(ArraySlice($0)) }
        }
        return event
    }

    /// Where each array of the event is (offset and size in bytes), worked out once.
    private static func place<T>(_ path: KeyPath<isotrace_proc_event, T>) -> (offset: Int, size: Int) {
        (MemoryLayout<isotrace_proc_event>.offset(of: path)!, MemoryLayout<T>.size)
    }
    private static let uidsField = place(\.uids)
    private static let gidsField = place(\.gids)
    private static let namespacesField = place(\.ns_inodes)
    private static let commField = place(\.comm)
    private static let cwdField = place(\.cwd_name)
    private static let filenameField = place(\.filename)
    private static let argsField = place(\.args)

    /// The bytes up to the first NUL.
    private static func untilNUL(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let start = bytes.baseAddress, !bytes.isEmpty, let nul = memchr(start, 0, bytes.count) else { return bytes }
        return UnsafeRawBufferPointer(start: start, count: start.distance(to: UnsafeRawPointer(nul)))
    }

    /// Text up to the first NUL: ASCII (nearly every comm, path and name) straight from the
    /// bytes; anything else through EscapedText.
    private static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        let text = untilNUL(bytes).bindMemory(to: UInt8.self)
        return ASCIIScan.isASCII(text) ? String(decoding: text, as: UTF8.self) : EscapedText.decode(ArraySlice(text))
    }

    /// The last value made and the bytes it was made from.
    private struct Kept<Value> {
        private var bytes: [UInt8] = []
        private var kept: Value?

        /// The kept value when `source` is the bytes it was made from, else `make(source)`, kept.
        mutating func value(for source: UnsafeRawBufferPointer, _ make: (UnsafeRawBufferPointer) -> Value) -> Value {
            if let kept, bytes.count == source.count,
               source.isEmpty || bytes.withUnsafeBytes({ memcmp($0.baseAddress!, source.baseAddress!, source.count) }) == 0 {
                return kept
            }
            let made = make(source)
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: source)
            kept = made
            return made
        }
    }
}
