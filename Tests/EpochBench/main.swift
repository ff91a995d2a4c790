import Base
import Foundation
import Records

// make bench's epoch-key rows (issue 16 item 1): what one key rotation costs, and `verify`'s
// throughput over a chain of 1,000,000 records signed with hourly epoch keys against the same
// chain signed with one key. Real files, fsync, Ed25519 and the verifier `isotrace verify` runs.
// EPOCH_BENCH_RECORDS sets the chain length (default 1,000,000); EPOCH_BENCH_PER_HOUR how many
// records fall into one hour, hence one epoch (default 1,000: 1,000 rotations over the chain).

let environment = ProcessInfo.processInfo.environment
let recordCount = environment["EPOCH_BENCH_RECORDS"].flatMap(Int.init) ?? 1_000_000
let perHour = environment["EPOCH_BENCH_PER_HOUR"].flatMap(Int.init) ?? 1_000
let node = RecordNode(hostname: "wn042.example.org", bootID: "5f3e7818-07e2-431b-892c-3a6b909258ff", machineID: "3d1219c7c4c5404aaa1f6d2a48adfda4")
let start: Int64 = 1_795_000_000_000

/// A clock that moves one hour per `perHour` records.
final class BenchClock {
    var milliseconds = start
    func now() -> UTCTime { UTCTime(millisecondsSinceEpoch: milliseconds) }
}

func body(_ number: Int) -> RecordBody {
    RecordBody(type: .finding, members: [
        JSONMember("finding", .object([
            JSONMember("rule", .string("ISO-UID")), JSONMember("status", .string("pass")),
            JSONMember("message", .string("payload uid 64902 differs from the pilot's uid 10213")),
            JSONMember("evidence", .object([JSONMember("payload_uid", .number(64902)), JSONMember("pilot_uid", .number(10213))])),
        ])),
        JSONMember("panda_id", .string(String(4_267_387_837 + number / 50))),
        JSONMember("pilot", .object([JSONMember("pid", .number(Double(31337 + number % 1000)))])),
        JSONMember("previous_status", .null),
    ])
}

func seconds(_ from: Int64) -> Double { Double(Syscalls.monotonicMilliseconds() - from) / 1000 }

func scratch(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "isotrace-epoch-bench-\(Syscalls.processID())-\(name)"
    try? FileManager.default.removeItem(atPath: path)
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return path
}

/// Writes `recordCount` records in batches of up to 1,000 (a new epoch key every `perHour`
/// records when `epochs`); returns the root public key and the writing time.
func writeChain(_ directory: String, epochs: Bool) throws -> (RecordPublicKey, Double) {
    let clock = BenchClock()
    let began = Syscalls.monotonicMilliseconds()
    let signer: ChainSigner
    let root: RecordPublicKey
    if epochs {
        root = try KeyPairFiles(outputDirectory: directory).createForwardSecure(node: node, offlineCopy: nil, clock: clock.now).root
        signer = .epochs(EpochKeyStore(outputDirectory: directory, root: root))
    } else {
        let key = RecordSigningKey()
        root = key.publicKey
        signer = .single(key)
    }
    let writer = try ChainWriter.open(outputDirectory: directory, signer: signer, node: node, clock: clock.now)
    defer { writer.close() }
    var written = Int(writer.head.seq)
    let step = Int64(3_600_000 / perHour)
    while written < recordCount {
        if epochs && written % perHour == 0 && written > 0 { _ = try writer.rotate(); written += 1 }
        let count = min(1_000, recordCount - written, perHour - written % perHour)
        var bodies: [RecordBody] = []
        for number in written..<(written + count) { bodies.append(body(number)) }
        clock.milliseconds += step * Int64(count)
        _ = try writer.append(bodies)
        written += count
    }
    return (root, seconds(began))
}

func verify(_ directory: String, _ root: RecordPublicKey, label: String) throws -> Double {
    let began = Syscalls.monotonicMilliseconds()
    let report = try ChainVerifier(outputDirectory: directory, publicKey: root).verify()
    let elapsed = seconds(began)
    precondition(report.isIntact, "\(label): \(report.problems.prefix(3))")
    let rate = Double(report.records) / elapsed
    print("bench: verify, \(label): \(report.records) records in \(report.segments) segment(s), \(report.epochs.count - 1) rotation(s): \(String(format: "%.1f", elapsed)) s, \(Int(rate)) records/s, \(String(format: "%.2f", 1e6 / rate)) µs/record")
    return rate
}

// One rotation: new pair written and fsynced, key_rotation signed and fsynced, old key erased.
do {
    let directory = scratch("rotations")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let clock = BenchClock()
    let root = try KeyPairFiles(outputDirectory: directory).createForwardSecure(node: node, offlineCopy: nil, clock: clock.now).root
    let writer = try ChainWriter.open(outputDirectory: directory, signer: .epochs(EpochKeyStore(outputDirectory: directory, root: root)), node: node, clock: clock.now)
    let rotations = 200
    let began = Syscalls.monotonicMilliseconds()
    for _ in 0..<rotations { _ = try writer.rotate() }
    let elapsed = seconds(began)
    let line = try String(contentsOfFile: writer.directory.path(of: writer.head.segment!), encoding: .utf8).split(separator: "\n").last!
    writer.close()
    print("bench: key rotation: \(rotations) rotations in \(String(format: "%.2f", elapsed)) s: \(String(format: "%.2f", elapsed * 1000 / Double(rotations))) ms each (3 fsyncs of files, 2 of keys/, 1 Ed25519 key made), \(line.utf8.count + 1) bytes per key_rotation record")
    print("bench: at hourly rotations that is \(String(format: "%.4f", elapsed / Double(rotations) / 3600 * 100)) % of an hour, and 24 records (\((line.utf8.count + 1) * 24 / 1024) KiB) a day")
}

let singleDirectory = scratch("single")
let (singleRoot, singleWrite) = try writeChain(singleDirectory, epochs: false)
print("bench: wrote \(recordCount) records with one key in \(String(format: "%.1f", singleWrite)) s")
let singleRate = try verify(singleDirectory, singleRoot, label: "one key (as before epoch keys)")
try? FileManager.default.removeItem(atPath: singleDirectory)

let epochDirectory = scratch("epochs")
let (epochRoot, epochWrite) = try writeChain(epochDirectory, epochs: true)
print("bench: wrote \(recordCount) records with a new epoch key every \(perHour) records (one hour) in \(String(format: "%.1f", epochWrite)) s")
let epochRate = try verify(epochDirectory, epochRoot, label: "hourly epoch keys")
try? FileManager.default.removeItem(atPath: epochDirectory)
print("bench: epoch keys verify at \(String(format: "%.3f", epochRate / singleRate))x the records/s of one key (>= 1.0: no slower per record; the two runs share a busy machine, so ±5 % is noise)")
