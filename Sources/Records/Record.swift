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
        guard case .object(let members) = unsigned else { preconditionFailure("a record is an object") }
        // Canonicalized once: the members before and after where "sig" sorts.
        let (before, after) = try CanonicalJSON.members(members, splitAt: "sig")
        var unsignedBytes: [UInt8] = []
        unsignedBytes.reserveCapacity(before.count + after.count + 3)
        unsignedBytes.append(UInt8(ascii: "{"))
        unsignedBytes += before
        if !before.isEmpty && !after.isEmpty { unsignedBytes.append(UInt8(ascii: ",")) }
        unsignedBytes += after
        unsignedBytes.append(UInt8(ascii: "}"))
        let signature = try signer.signature(for: unsignedBytes)
        var line: [UInt8] = []
        line.reserveCapacity(unsignedBytes.count + 100)
        line.append(UInt8(ascii: "{"))
        line += before
        if !before.isEmpty { line.append(UInt8(ascii: ",")) }
        line += CanonicalJSON.key("sig")
        line += try CanonicalJSON.bytes(.string(Data(signature).base64EncodedString()))
        if !after.isEmpty { line.append(UInt8(ascii: ",")) }
        line += after
        line.append(UInt8(ascii: "}"))
        return line
    }

    /// The `prev` of the record after a line: hex SHA-256 of its bytes.
    public static func hash(ofLine line: [UInt8]) -> String {
        Hex.string(SHA256.hash(data: line))
    }
}
