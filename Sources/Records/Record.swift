import Base
import Crypto
import Foundation

/// One record of the chain: the envelope every type shares plus the type's body.
///
/// Its line in a segment is the RFC 8785 canonical JSON of the whole record, `sig` included;
/// `sig` is the base64 Ed25519 signature over the canonical JSON of the record without `sig`;
/// the next record's `prev` is the hex SHA-256 of this line (without its newline).
public struct Record: Sendable {
    public static let version: Int64 = 1
    /// Hex SHA-256 standing in for `prev` of the first record.
    public static let genesisPrev = String(repeating: "0", count: 64)
    /// Keys every record has, whatever its type.
    public static let envelopeKeys = ["key_id", "node", "prev", "seq", "sig", "time", "type", "v"]

    public var seq: Int64
    public var time: UTCTime
    public var node: RecordNode
    public var prev: String
    public var keyID: String
    public var body: RecordBody

    public init(seq: Int64, time: UTCTime, node: RecordNode, prev: String, keyID: String, body: RecordBody) {
        self.seq = seq
        self.time = time
        self.node = node
        self.prev = prev
        self.keyID = keyID
        self.body = body
    }

    /// The chain head this record continues (seq - 1 and `prev`): its `chain_head`, when the body
    /// carries one.
    public var headBefore: ChainHead { ChainHead(before: seq, prev: prev) }

    /// The record without `sig`: what is signed.
    public var unsigned: JSONValue {
        .object([
            JSONMember("v", .number(Double(Record.version))),
            JSONMember("type", .string(body.type.rawValue)),
            JSONMember("seq", .number(Double(seq))),
            JSONMember("time", .string(time.description)),
            JSONMember("node", node.json),
            JSONMember("prev", .string(prev)),
            JSONMember("key_id", .string(keyID)),
        ] + body.members + (body.carriesChainHead ? [JSONMember(ChainHead.bodyKey, headBefore.json)] : []))
    }

    /// The canonical line (no newline) of the record signed with `key`.
    public func line(signedWith key: RecordSigningKey) throws -> [UInt8] {
        try key.withSigner { signer in try line(signedWith: signer) }
    }

    /// The canonical line (no newline) of the record signed by `signer` (a batch of records).
    public func line(signedWith signer: RecordSigner) throws -> [UInt8] {
        var line: [UInt8] = []
        try appendLine(signedWith: signer, to: &line)
        return line
    }

    /// Appends the canonical line (no newline) of the record signed by `signer` to `output`: the
    /// chain writer puts each record's line straight into the buffer it writes out.
    ///
    /// The record is written once: each member's canonical bytes (a body's canonical members as
    /// they are, values written), ordered by key, joined into the unsigned bytes at the end of
    /// `output`; the signature over them is then put in where `sig` sorts (only the members after
    /// it move).
    public func appendLine(signedWith signer: RecordSigner, to output: inout [UInt8]) throws {
        var members: [CanonicalMember] = [
            try CanonicalMember("v", .number(Double(Record.version))),
            try CanonicalMember("type", .string(body.type.rawValue)),
            try CanonicalMember("seq", .number(Double(seq))),
            try CanonicalMember("time", .string(time.description)),
            try CanonicalMember("node", node.json),
            try CanonicalMember("prev", .string(prev)),
            try CanonicalMember("key_id", .string(keyID)),
        ]
        members += try body.canonicalMembers()
        if body.carriesChainHead { members.append(try CanonicalMember(ChainHead.bodyKey, headBefore.json)) }
        // The same order `CanonicalJSON` gives the record's object (a stable sort by key).
        members.sort { CanonicalJSON.precedes($0.key, $1.key) }

        let start = output.count
        // Grown once for the line (and geometrically): appending member by member would copy a large line several times.
        let needed = start + members.reduce(2 + Record.signatureBytes) { $0 + $1.key.utf8.count + $1.value.count + 4 }
        if output.capacity < needed { output.reserveCapacity(max(needed, output.capacity * 2)) }
        output.append(UInt8(ascii: "{"))
        // Where `sig` goes: before the first member that sorts after it, else before the "}".
        var split: Int?
        for (index, member) in members.enumerated() {
            if split == nil && CanonicalJSON.precedes(Record.signatureKey, member.key) { split = output.count + (index > 0 ? 1 : 0) }
            if index > 0 { output.append(UInt8(ascii: ",")) }
            CanonicalJSON.appendKey(member.key, to: &output)
            output.append(contentsOf: member.value)
        }
        output.append(UInt8(ascii: "}"))
        let signature = try output.withUnsafeBytes { bytes in try signer.signature(for: UnsafeRawBufferPointer(rebasing: bytes[start...])) }

        var sig: [UInt8] = []
        CanonicalJSON.appendKey(Record.signatureKey, to: &sig)
        sig += try CanonicalJSON.bytes(.string(Data(signature).base64EncodedString()))
        let at: Int
        if let split {
            at = split
            sig.append(UInt8(ascii: ","))
        } else {
            at = output.count - 1
            if !members.isEmpty { sig.insert(UInt8(ascii: ","), at: 0) }
        }
        output.insert(contentsOf: sig, at: at)
    }

    /// `"sig":"<88 base64 characters>",`: the bytes a signature adds to a line.
    static let signatureBytes = 97

    static let signatureKey = "sig"

    /// The `prev` of the record after a line: hex SHA-256 of its bytes.
    public static func hash(ofLine line: [UInt8]) -> String {
        Hex.string(SHA256.hash(data: line))
    }

    /// The `prev` of the record after the line at `range` of `bytes` (without copying it out).
    public static func hash(ofLineIn bytes: [UInt8], _ range: Range<Int>) -> String {
        bytes.withUnsafeBytes { buffer in Hex.string(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: buffer[range]))) }
    }
}
