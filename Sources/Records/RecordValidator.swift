import Foundation

/// Checks one line on its own: strict JSON, the envelope and body keys of its type (none missing,
/// none unknown), value shapes, the key_id and the Ed25519 signature over the canonical record
/// without `sig`. The chain (prev, seq order) is the verifier's part.
struct RecordValidator {
    let publicKey: RecordPublicKey
    let keyID: String
    /// How a key_id mismatch names the key expected ("the public key's", "epoch 3's key").
    let keyName: String

    init(publicKey: RecordPublicKey, keyName: String = "the public key's") {
        self.publicKey = publicKey
        self.keyID = publicKey.keyID
        self.keyName = keyName
    }

    struct Outcome {
        var seq: Int64?
        var prev: String?
        var type: RecordType?
        var value: JSONValue?
        var reasons: [String] = []
    }

    /// The seq of a line, read without checking it.
    static func seq(of line: [UInt8]) -> Int64? {
        (try? JSONParser().parse(line))?["seq"]?.integerValue
    }

    func validate(_ line: [UInt8]) -> Outcome {
        var outcome = Outcome()
        let value: JSONValue
        do {
            value = try JSONParser().parse(line)
        } catch {
            outcome.reasons.append("not valid JSON: \(error)")
            return outcome
        }
        guard let members = value.objectMembers else {
            outcome.reasons.append("not a JSON object")
            return outcome
        }
        outcome.value = value
        if let seq = value["seq"]?.integerValue, seq >= 1 { outcome.seq = seq } else { outcome.reasons.append("seq is missing or not a positive integer") }
        outcome.prev = value["prev"]?.stringValue
        outcome.type = value["type"]?.stringValue.flatMap(RecordType.init(rawValue:))
        outcome.reasons += keyProblems(value, members, type: outcome.type)
        outcome.reasons += shapeProblems(value)
        outcome.reasons += signatureProblems(value, members)
        return outcome
    }

    private func keyProblems(_ value: JSONValue, _ members: [JSONMember], type: RecordType?) -> [String] {
        var reasons: [String] = []
        if type == nil { reasons.append("unknown record type \(value["type"].map(describe) ?? "(missing)")") }
        let required = Record.envelopeKeys + (type?.bodyKeys ?? [])
        let alternatives = type?.bodyKeyAlternatives ?? [:]
        let allowed = required + (type?.optionalBodyKeys ?? []) + alternatives.values
        for key in required where value[key] == nil && (type != nil || Record.envelopeKeys.contains(key)) {
            if let alternative = alternatives[key], value[alternative] != nil { continue }
            reasons.append("missing key \"\(key)\"")
        }
        if type != nil {
            for member in members where !allowed.contains(where: { $0.unicodeScalars.elementsEqual(member.key.unicodeScalars) }) {
                reasons.append("unknown key \"\(member.key)\" for type \(type!.rawValue)")
            }
        }
        return reasons
    }

    private func shapeProblems(_ value: JSONValue) -> [String] {
        var reasons: [String] = []
        if let v = value["v"], v.integerValue != Record.version { reasons.append("unsupported version v=\(describe(v))") }
        if let time = value["time"], !isRFC3339Milliseconds(time.stringValue) { reasons.append("time \(describe(time)) is not RFC 3339 UTC with milliseconds") }
        if let prev = value["prev"], !Hex.isSHA256(prev.stringValue) { reasons.append("prev is not a hex SHA-256") }
        if let node = value["node"] {
            let members = node.objectMembers ?? []
            let wellFormed = node.objectMembers != nil && members.count == RecordNode.keys.count
                && RecordNode.keys.allSatisfy { key in node[key].map { $0 == .null || $0.stringValue != nil } ?? false }
            if !wellFormed { reasons.append("node must be {\"hostname\", \"boot_id\", \"machine_id\"} (strings or null)") }
        }
        if let sampler = value["sampler"], sampler != .string("bpf") && sampler != .string("procfs") {
            reasons.append("sampler \(describe(sampler)) is not \"bpf\" or \"procfs\"")
        }
        if let head = value[ChainHead.bodyKey] { reasons += chainHeadProblems(head, value) }
        return reasons
    }

    /// A `chain_head` is the head the record continues: seq - 1 and the record's own `prev`, so a
    /// head edited in (or copied from elsewhere) without re-linking the record does not verify.
    private func chainHeadProblems(_ head: JSONValue, _ value: JSONValue) -> [String] {
        guard let parsed = ChainHead(json: head), head.objectMembers?.count == 2 else {
            return ["chain_head \(describe(head)) is not \(ChainHead.shape)"]
        }
        guard let seq = value["seq"]?.integerValue, let prev = value["prev"]?.stringValue else { return [] }
        let expected = ChainHead(before: seq, prev: prev)
        guard parsed.names(sameLineAs: expected) else {
            return ["chain_head (seq \(parsed.seq), sha256 \(parsed.lineHash)) is not the head this record continues (seq \(expected.seq), its prev)"]
        }
        return []
    }

    private func signatureProblems(_ value: JSONValue, _ members: [JSONMember]) -> [String] {
        guard let recordKeyID = value["key_id"]?.stringValue else { return value["key_id"] == nil ? [] : ["key_id is not a string"] }
        guard recordKeyID == keyID else { return ["unknown key: key_id \(recordKeyID) is not \(keyName) (\(keyID))"] }
        guard let sigValue = value["sig"] else { return [] }
        guard let sigText = sigValue.stringValue, let signature = Data(base64Encoded: sigText), signature.count == 64 else {
            return ["sig is not a base64 Ed25519 signature"]
        }
        let unsigned = JSONValue.object(members.filter { $0.key != "sig" })
        guard let message = try? CanonicalJSON.bytes(unsigned), publicKey.isValidSignature([UInt8](signature), for: message) else {
            return ["bad signature"]
        }
        return []
    }

    private func describe(_ value: JSONValue) -> String {
        (try? CanonicalJSON.string(value)).map { String($0.prefix(80)) } ?? "?"
    }

    /// `2026-11-26T07:05:53.063Z`
    private func isRFC3339Milliseconds(_ text: String?) -> Bool {
        guard let bytes = text.map({ Array($0.utf8) }), bytes.count == 24 else { return false }
        let pattern = Array("0000-00-00T00:00:00.000Z".utf8)
        return zip(bytes, pattern).allSatisfy { byte, expected in
            expected == UInt8(ascii: "0") ? (0x30...0x39).contains(byte) : byte == expected
        }
    }
}
