import Foundation
import Records
import TestSupport
import Testing

/// The optional `sampler` body key (issue 7): records with and without it verify; a value other
/// than "bpf" or "procfs", or the key on a type that takes none, is named by `verify`.
@Suite struct SamplerKeyTests {
    static func heartbeat(_ sampler: JSONValue?) -> RecordBody {
        RecordBody(type: .heartbeat, members: [JSONMember("heartbeat", .object([JSONMember("cycles", .number(1))]))]
                   + (sampler.map { [JSONMember("sampler", $0)] } ?? []))
    }

    @Test("records with and without \"sampler\" verify")
    func optional() throws {
        let chain = try TestChain(records: 1)
        defer { chain.directory.remove() }
        _ = try chain.append([Self.heartbeat(.string("bpf")), Self.heartbeat(nil), Self.heartbeat(.string("procfs"))])
        let result = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("intact: 4 record(s)"), "\(result)")
    }

    @Test("an unknown sampler, or sampler on a recovery record, is a problem")
    func refused() throws {
        let chain = try TestChain(records: 1)
        defer { chain.directory.remove() }
        var recovery = RecordBody.recovery(partialFile: "x.partial", partialBytes: 3)
        recovery.members.append(JSONMember("sampler", .string("bpf")))
        _ = try chain.append([Self.heartbeat(.string("ebpf")), recovery])
        let result = try IsotraceBinary.run("verify", "--out", chain.directory.path)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("\(chain.segmentPath):2: seq 2: sampler \"ebpf\" is not \"bpf\" or \"procfs\""), "\(result)")
        #expect(result.stdout.contains("\(chain.segmentPath):3: seq 3: unknown key \"sampler\" for type recovery"), "\(result)")
    }
}
