import CTaskIter
import Testing
@testable import ProcFS

/// `ProcessEventDecoder` keeps the last event's values for the next one with the same bytes: the
/// events it gives are those a decoder of each event alone gives, whatever came before.
@Suite struct ProcessEventDecoderTests {
    /// An event as the BPF programs write it.
    static func raw(_ kind: Int32, pid: Int32, uids: [UInt32] = [1000, 1000, 1000, 1000], gids: [UInt32] = [100, 100, 100, 100],
                    ns: [UInt64] = [11, 12, 13, 14, 15, 15, 17, 18, 19], comm: [UInt8] = Array("bash".utf8),
                    cwd: [UInt8] = [], filename: [UInt8] = [], args: [UInt8] = [], truncated: Bool = false, status: Int32 = 0) -> isotrace_proc_event {
        var e = isotrace_proc_event()
        e.kind = UInt32(kind)
        e.pid = pid
        e.ppid = 1
        e.sid = pid
        e.start_boottime_ns = 5_000_000_000
        e.parent_start_boottime_ns = 1_000_000_000
        e.time_boottime_ns = 6_000_000_000
        func fill<T>(_ field: inout T, _ bytes: [UInt8]) {
            withUnsafeMutableBytes(of: &field) { raw in
                for index in raw.indices { raw[index] = index < bytes.count ? bytes[index] : 0 }
            }
        }
        fill(&e.uids, uids.flatMap { withUnsafeBytes(of: $0, Array.init) })
        fill(&e.gids, gids.flatMap { withUnsafeBytes(of: $0, Array.init) })
        fill(&e.ns_inodes, ns.flatMap { withUnsafeBytes(of: $0, Array.init) })
        fill(&e.comm, comm)
        fill(&e.cwd_name, cwd)
        fill(&e.filename, filename)
        fill(&e.args, args)
        e.args_size = UInt32(args.count)
        e.args_truncated = truncated ? 1 : 0
        e.exit_code = status
        return e
    }

    static let exec = Int32(ISOTRACE_EVENT_EXEC), fork = Int32(ISOTRACE_EVENT_FORK), exit = Int32(ISOTRACE_EVENT_EXIT)

    @Test func repeatedValuesAreTheSameAsDecodedAlone() {
        let events = [
            Self.raw(Self.exec, pid: 10, comm: Array("true".utf8), cwd: Array("PanDA_Pilot-42".utf8), filename: Array("/bin/true".utf8),
                     args: Array("true\0--password=hunter2\0x\0".utf8)),
            // The same bytes again: the same values.
            Self.raw(Self.exec, pid: 11, comm: Array("true".utf8), cwd: Array("PanDA_Pilot-42".utf8), filename: Array("/bin/true".utf8),
                     args: Array("true\0--password=hunter2\0x\0".utf8)),
            // A fork after an exec: no exec values left over.
            Self.raw(Self.fork, pid: 12),
            // A filename that is the start of the last one, another argv of the same length, other ids and namespaces.
            Self.raw(Self.exec, pid: 12, uids: [0, 1000, 1000, 1000], ns: [11, 12, 13, 14, 15, 15, 17, 18, 20], comm: Array("tru".utf8),
                     cwd: Array("PanDA_Pilot-42".utf8), filename: Array("/bin/tru".utf8), args: Array("true\0--password=hunter3\0y\0".utf8),
                     truncated: true),
            // No arguments, no working directory name, a name that is not ASCII.
            Self.raw(Self.exec, pid: 13, comm: [0xC3, 0xA9, 0x41], filename: [0x2F, 0xC3, 0xA9, 0xFF], args: []),
            Self.raw(Self.exit, pid: 13, comm: [0xC3, 0xA9, 0x41], status: 9),
            Self.raw(Self.exit, pid: 11, comm: Array("true".utf8), status: 1 << 8),
        ]
        var decoder = ProcessEventDecoder()
        var decoded: [ProcessEvent] = []
        for var event in events {
            let kept = withUnsafePointer(to: &event) { decoder.decode($0) }
            let alone = ProcessEvent(event)
            #expect(kept != nil)
            #expect(kept == alone)
            if let kept { decoded.append(kept) }
        }
        #expect(decoded.count == events.count)
        guard decoded.count == events.count else { return }
        #expect(decoded[0].kind == .exec && decoded[0].filename == "/bin/true" && decoded[0].cwdName == "PanDA_Pilot-42")
        #expect(decoded[0].arguments == ProcessArguments.parse(ArraySlice(Array("true\0--password=hunter2\0x\0".utf8))))
        #expect(!decoded[0].arguments.joined().contains("hunter2"), "argv is redacted")
        #expect(decoded[0].uids == [1000, 1000, 1000, 1000] && decoded[0].gids == [100, 100, 100, 100])
        #expect(decoded[0].namespaces[.uts] == 19 && decoded[0].namespaces[.pidForChildren] == 15)
        #expect(decoded[1].pid == 11 && decoded[1].arguments == decoded[0].arguments && decoded[1].namespaces == decoded[0].namespaces)
        #expect(decoded[2].kind == .fork && decoded[2].filename.isEmpty && decoded[2].cwdName.isEmpty && decoded[2].arguments.isEmpty)
        #expect(decoded[3].filename == "/bin/tru" && decoded[3].comm == "tru" && decoded[3].uids == [0, 1000, 1000, 1000])
        #expect(decoded[3].namespaces[.uts] == 20 && decoded[3].argumentsTruncated)
        #expect(decoded[3].arguments != decoded[0].arguments)
        #expect(decoded[4].arguments.isEmpty && decoded[4].cwdName.isEmpty && decoded[4].filename != decoded[3].filename)
        #expect(decoded[5].kind == .exit && decoded[5].exitStatus == 9 && decoded[5].filename.isEmpty)
        #expect(decoded[6].exitStatus == 256 && decoded[6].comm == "true")
    }

    @Test func unknownKindIsNil() {
        var event = Self.raw(99, pid: 1)
        var decoder = ProcessEventDecoder()
        #expect(withUnsafePointer(to: &event) { decoder.decode($0) } == nil)
        #expect(ProcessEvent(event) == nil)
    }
}
