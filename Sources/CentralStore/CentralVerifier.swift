import PostgresNIO
import Records

/// One problem found by `verify --db`: which node, key and seq, and why.
public struct CentralProblem: Sendable, Equatable, CustomStringConvertible {
    public var node: String
    public var keyID: String
    public var seq: Int64?
    public var reason: String

    public var description: String {
        "node \(node) key_id \(keyID)" + (seq.map { " seq \($0)" } ?? "") + ": \(reason)"
    }
}

/// One node chain as verified.
public struct ChainSummary: Sendable, Equatable {
    public var node: String
    public var keyID: String
    public var records: Int
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    public var problems: Int
}

public struct CentralVerification: Sendable {
    public var chains: [ChainSummary] = []
    public var problems: [CentralProblem] = []
    public var isIntact: Bool { problems.isEmpty }
}

extension CentralDatabase {
    static let verifyPage = 20_000

    /// Verifies every registered node's chain from the stored signed lines alone, with the public
    /// keys `db add-key` registered (a node's root key: the key_rotation records lead from it to
    /// each record's epoch key, as `isotrace verify` follows them): each line's signature and fields (as `isotrace verify`), its
    /// seq against the row's, its node against the key's, and the chain: seqs without gaps, each
    /// `prev` the SHA-256 of the line before, from seq 1 (or from the floor `isotrace.prune` left),
    /// each record's time on the UTC day of the segment it was shipped from.
    /// Records under a key nobody registered are reported, never accepted.
    public func verify(node: String? = nil) async throws(SinkError) -> CentralVerification {
        var verification = CentralVerification()
        let keys = try await keys().filter { node == nil || $0.node == node }
        for key in keys {
            try await verifyChain(key, into: &verification)
        }
        let rows = try await run("""
            SELECT key_id, node, count(*), min(seq), max(seq) FROM isotrace.record
            WHERE key_id NOT IN (SELECT key_id FROM isotrace.node_key) AND (\(node)::text IS NULL OR node = \(node))
            GROUP BY key_id, node ORDER BY node, key_id
            """, "find unknown keys")
        for (keyID, host, count, first, last) in try Self.decode(rows, as: (String, String, Int64, Int64, Int64).self) {
            verification.problems.append(CentralProblem(
                node: host, keyID: keyID, seq: first,
                reason: "unknown key: \(count) record(s), seq \(first)-\(last), signed with a key not registered (isotrace db add-key)"))
            verification.chains.append(ChainSummary(node: host, keyID: keyID, records: Int(count), firstSeq: first, lastSeq: last, problems: 1))
        }
        return verification
    }

    private func verifyChain(_ key: NodeKey, into verification: inout CentralVerification) async throws(SinkError) {
        var summary = ChainSummary(node: key.node, keyID: key.keyID, records: 0, problems: 0)
        var problems: [CentralProblem] = []
        func problem(_ seq: Int64?, _ reason: String) {
            problems.append(CentralProblem(node: key.node, keyID: key.keyID, seq: seq, reason: reason))
        }
        guard let publicKey = RecordPublicKey.parse(pem: key.publicKeyPEM), publicKey.keyID == key.keyID else {
            problem(nil, "the registered public key is not an Ed25519 key with this key_id")
            verification.problems += problems
            summary.problems = problems.count
            verification.chains.append(summary)
            return
        }
        // The chain's keys, from the registered (root) key through its key_rotation records.
        var keys = EpochKeyChain(root: publicKey)
        var floor: (seq: Int64, hash: String)?
        let floorRows = try await run("SELECT seq, line_sha256 FROM isotrace.chain_floor WHERE key_id = \(key.keyID)", "read chain floor")
        for (seq, hash) in try Self.decode(floorRows, as: (Int64, String).self) { floor = (seq, hash) }
        if let floor {
            // prune() keeps the key_rotation rows it passes: the keys up to the floor.
            let kept = try await run("""
                SELECT seq, line FROM isotrace.record WHERE key_id = \(key.keyID) AND seq <= \(floor.seq) ORDER BY seq
                """, "read kept key rotations")
            for (seq, line) in try Self.decode(kept, as: (Int64, String).self) {
                for reason in keys.check(Array(line.utf8)) { problem(seq, reason) }
                if (try? JSONParser().parse(Array(line.utf8)))?["type"]?.stringValue != RecordType.keyRotation.rawValue {
                    problem(seq, "stored below the pruned floor seq \(floor.seq) but not a key_rotation record")
                }
            }
        }
        var links = ChainLinks(floor: floor)
        // Pages of the chain in seq order, so that no statement runs long and memory stays flat.
        var after = floor?.seq ?? Int64.min
        while true {
            let rows = try await run("""
                SELECT seq, node, segment, line FROM isotrace.record WHERE key_id = \(key.keyID) AND seq > \(after) ORDER BY seq LIMIT \(Self.verifyPage)
                """, "read chain \(key.keyID)")
            if rows.isEmpty { break }
            for (seq, host, segment, line) in try Self.decode(rows, as: (Int64, String, String, String).self) {
                after = seq
                let bytes = Array(line.utf8)
                summary.records += 1
                summary.firstSeq = summary.firstSeq ?? seq
                summary.lastSeq = seq
                for reason in keys.check(bytes) { problem(seq, reason) }
                let parsed = try? JSONParser().parse(bytes)
                let lineSeq = parsed?["seq"]?.integerValue
                let prev = parsed?["prev"]?.stringValue
                if lineSeq != seq { problem(seq, "the stored line says seq \(lineSeq.map(String.init) ?? "none"), the row seq \(seq): moved or replaced") }
                let named = parsed?["node"]?["hostname"]?.stringValue
                if host != key.node || named != key.node {
                    problem(seq, "record of node \(named ?? host), but key_id \(key.keyID) is registered for node \(key.node)")
                }
                // A stored line without a readable prev does not link to anything.
                for link in links.link(seq: seq, prev: prev ?? "", time: parsed?["time"]?.stringValue, segment: segment, lineHash: Record.hash(ofLine: bytes), place: "the stored seq \(seq)") {
                    problem(seq, link.description)
                }
            }
        }
        if let start = links.lateStart, !(try await continuesAnotherKey(key, seq: start.seq, prev: start.prev)) {
            problems.insert(CentralProblem(node: key.node, keyID: key.keyID, seq: start.seq,
                                           reason: "chain starts at seq \(start.seq): seq 1...\(start.seq - 1) are not in the database"), at: 0)
        }
        summary.problems = problems.count
        verification.problems += problems
        verification.chains.append(summary)
    }

    /// Whether a chain's first stored record continues the same node's chain under its previous
    /// key (a key rotation): seq - 1 stored under another key of the node, hashing to `prev`.
    private func continuesAnotherKey(_ key: NodeKey, seq: Int64, prev: String?) async throws(SinkError) -> Bool {
        let rows = try await run("""
            SELECT r.line FROM isotrace.record r JOIN isotrace.node_key k ON k.key_id = r.key_id
            WHERE k.node = \(key.node) AND r.key_id <> \(key.keyID) AND r.seq = \(seq - 1)
            """, "read previous key's chain")
        return try Self.decode(rows, as: (String).self).contains { Record.hash(ofLine: Array($0.utf8)) == prev }
    }
}
