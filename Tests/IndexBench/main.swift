import Base
import Foundation
import RecordIndex
import Records
import TestSupport

// The record index's insert path alone (make bench-index), on the records of a real run: indexes
// DIR/records into a fresh DIR/index.sqlite as the daemon does, from the records the writer hands
// over (`WrittenRecord`: what it signed, with each line's place and hash), or, with --lines, from
// the lines as `isotrace index --rebuild` does. The daemon's `process` and `audit` bodies are
// held as canonical bytes, as its writers build them, so reading their values back counts in the
// index's part, as in the daemon. With --facts, every `process`, `exit` and `audit` record also
// hands over the facts it states (`RecordBody.processFacts`, `auditFacts`, read here from its
// values), as the daemon's writers do; with --process-facts, only the process and exit records
// (the audit's values are read). The records are read and parsed before the clock starts. Under callgrind, the index part is `RecordIndex.update`'s inclusive cost. Give it a
// copy: it replaces DIR/index.sqlite.
//
//   index-bench DIR [--lines | --facts | --process-facts]

let arguments = CommandLine.arguments.dropFirst()
guard let directory = arguments.first(where: { !$0.hasPrefix("--") }) else {
    FileHandle.standardError.write(Data("usage: index-bench DIR [--lines | --facts]\n".utf8))
    exit(2)
}
let fromLines = arguments.contains("--lines")
let withFacts = arguments.contains("--facts") || arguments.contains("--process-facts")
let withAuditFacts = arguments.contains("--facts")

/// The record a line holds, as the writer had it before signing: its envelope and body members
/// (`chain_head` stays a body member: the record's value is the same).
func record(of line: [UInt8]) throws -> Record {
    guard case .object(let members) = try JSONParser().parse(line) else { throw BenchError("a line is not an object") }
    let value = JSONValue.object(members)
    guard let seq = value["seq"]?.integerValue, let time = value["time"]?.stringValue.flatMap(TimeExpression.rfc3339),
          let type = value["type"]?.stringValue.flatMap(RecordType.init(rawValue:)),
          let prev = value["prev"]?.stringValue, let keyID = value["key_id"]?.stringValue else {
        throw BenchError("a line lacks its envelope")
    }
    let node = RecordNode(hostname: value["node"]?["hostname"]?.stringValue, bootID: value["node"]?["boot_id"]?.stringValue,
                          machineID: value["node"]?["machine_id"]?.stringValue)
    let bodyMembers = members.filter { !Record.envelopeKeys.contains($0.key) }
    let processFacts = withFacts && (type == .process || type == .exit) ? StatedFacts.processes(of: bodyMembers) : nil
    let body: RecordBody
    if type == .audit || (type == .process && value["process"] != nil) {
        body = RecordBody(type: type, canonicalMembers: try bodyMembers.map { try CanonicalMember($0.key, $0.value) },
                          processFacts: processFacts, auditFacts: withAuditFacts && type == .audit ? value["audit"].flatMap(StatedFacts.audit) : nil)
    } else {
        body = RecordBody(type: type, members: bodyMembers, processFacts: processFacts)
    }
    return Record(seq: seq, time: time, node: node, prev: prev, keyID: keyID, body: body)
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

do {
    let segments = try FileManager.default.contentsOfDirectory(atPath: directory + "/records")
        .filter { $0.hasSuffix(".jsonl") }.sorted()
    var written: [WrittenRecord] = []
    if !fromLines {
        for segment in segments {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/records/" + segment)))
            var start = 0
            while let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(bytes[start..<end])
                written.append(WrittenRecord(record: try record(of: line), segment: segment, offset: Int64(start),
                                             length: Int64(line.count), lineHash: Record.hash(ofLine: line)))
                start = end + 1
            }
        }
    }
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory + "/index.sqlite" + suffix) }
    let began = Syscalls.monotonicMilliseconds()
    let report = try RecordIndex.update(directory: directory, written: written)
    let milliseconds = Syscalls.monotonicMilliseconds() - began
    let source = fromLines ? "from the lines"
        : withAuditFacts ? "from the writer's records and facts" : withFacts ? "from the writer's records and process facts" : "from the writer's records"
    print("\(source): \(report.indexedRecords) records (\(report.takenFromWriter) from the writer) in \(milliseconds) ms, "
          + "problems \(report.problems.count)")
} catch {
    FileHandle.standardError.write(Data("index-bench: \(error)\n".utf8))
    exit(1)
}
