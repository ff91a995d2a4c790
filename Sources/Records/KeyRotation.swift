/// What a `key_rotation` record says: from this record on, the chain is signed by the epoch key
/// `publicKey`, epoch `epoch` (1 for the first key the root key certifies, then one more at each
/// rotation). Its body is
///
///     "key_rotation": {"epoch": 2, "key_id": "<16 hex>", "public_key": "-----BEGIN PUBLIC KEY-----\n..."},
///     "chain_head": {"seq": 41, "sha256": "<hex SHA-256 of line 41>"}
///
/// The record itself is signed by the key of the epoch it ends, so a verifier that starts from
/// the root public key learns every epoch key from the records before it, never from the record
/// it checks (journald FSS; CVE-2023-31439 is what trusting the record's own word costs).
public struct KeyRotation: Sendable, Equatable {
    public var epoch: Int64
    public var publicKey: RecordPublicKey

    public init(epoch: Int64, publicKey: RecordPublicKey) {
        self.epoch = epoch
        self.publicKey = publicKey
    }

    /// The record body; the writer adds `chain_head` (the head before it) when it signs.
    public var body: RecordBody {
        RecordBody(type: .keyRotation, members: [
            JSONMember("key_rotation", .object([
                JSONMember("epoch", JSONValue(exactly: epoch) ?? .null),
                JSONMember("key_id", .string(publicKey.keyID)),
                JSONMember("public_key", .string(publicKey.pem)),
            ])),
        ], carriesChainHead: true)
    }

    /// The rotation a record announces; throws the reason when it is a `key_rotation` record
    /// whose body is not well formed (the key_id must be the named key's own).
    public static func parse(_ record: JSONValue) throws(Malformed) -> KeyRotation {
        guard let body = record["key_rotation"], let members = body.objectMembers, members.count == 3 else {
            throw Malformed("key_rotation must be {\"epoch\", \"key_id\", \"public_key\"}")
        }
        guard let epoch = body["epoch"]?.integerValue, epoch >= 1 else { throw Malformed("key_rotation epoch is not an integer >= 1") }
        guard let pem = body["public_key"]?.stringValue, let key = RecordPublicKey.parse(pem: pem) else {
            throw Malformed("key_rotation public_key is not an Ed25519 public key in PEM")
        }
        guard body["key_id"]?.stringValue == key.keyID else {
            throw Malformed("key_rotation key_id is not the key_id of its public_key (\(key.keyID))")
        }
        return KeyRotation(epoch: epoch, publicKey: key)
    }

    /// Why a `key_rotation` body cannot be followed.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
