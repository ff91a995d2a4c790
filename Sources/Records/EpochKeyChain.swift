/// The keys a chain is signed with, as a verifier learns them: it starts from the root public
/// key alone (what a site registered, the only key trusted from outside the records) and
/// follows the `key_rotation` records in chain order. Every record is checked with the key of
/// its own epoch, the one the records before it named; never with a key the record itself
/// names or points to. A record signed with any other key (an earlier epoch's, a later one's,
/// the root's after epoch 1, an unknown one) is a problem.
///
/// One exception, for a node whose epoch key was lost or taken: a `key_rotation` signed by the
/// root key itself (a re-key, `keygen --rekey-from` with the root private key's offline copy)
/// is checked with the root key, at any point of the chain. The root key is trusted from
/// outside the records, and its private key is not on the node, so root on the node cannot
/// sign one. Every other record the root key signs after epoch 1 is still a problem.
///
/// A `key_rotation` is followed when its body is well formed and its epoch is the next one,
/// even when its own signature is bad: that record is then reported, and what follows is
/// checked against the key it names, so one forged or edited rotation is one problem, not the
/// whole rest of the chain. Shared by `ChainVerifier` (segments) and the central verifier
/// (stored lines), so both say the same about the same chain.
public struct EpochKeyChain: Sendable {
    /// One signing key of the chain: epoch 0 is the root key.
    public struct Epoch: Sendable, Equatable {
        public var number: Int64
        public var key: RecordPublicKey
        public var keyID: String
        /// The seq of the `key_rotation` record that named it; nil for the root key.
        public var rotationSeq: Int64?
        /// Named by a `key_rotation` the root key signed: epoch 1 (keygen), or a re-key.
        public var certifiedByRoot: Bool = false

        /// A re-key: an epoch after the first that the root key certified.
        public var isRekey: Bool { certifiedByRoot && number > 1 }
    }

    public private(set) var epochs: [Epoch]
    private var validator: RecordValidator

    public init(root: RecordPublicKey) {
        epochs = [Epoch(number: 0, key: root, keyID: root.keyID, rotationSeq: nil)]
        validator = RecordValidator(publicKey: root)
    }

    public var root: RecordPublicKey { epochs[0].key }
    /// The key the next record must be signed with.
    public var current: Epoch { epochs[epochs.count - 1] }
    /// How many rotations were followed: 0 for a chain signed with one key (not forward-secure).
    public var rotations: Int { epochs.count - 1 }

    /// The problems of the next line of the chain (as `problems(inLine:)` of the verifier, with
    /// this epoch's key), following the rotation it announces.
    public mutating func check(_ line: [UInt8]) -> [String] {
        check(line: line).reasons
    }

    /// `check`, keeping what the line says (for `ChainVerifier`).
    mutating func check(line: [UInt8]) -> RecordValidator.Outcome {
        var outcome = validator.validate(line)
        var byRoot = current.number == 0
        if current.number > 0, outcome.type == .keyRotation, outcome.value?["key_id"]?.stringValue == root.keyID {
            // A re-key: checked with the root key, the one key trusted from outside the records.
            outcome = Self.rootValidator(root).validate(line)
            byRoot = true
        }
        outcome.reasons = outcome.reasons.map(explainKey)
        if outcome.type == .keyRotation, let value = outcome.value {
            do {
                let rotation = try KeyRotation.parse(value)
                if rotation.epoch != current.number + 1 {
                    outcome.reasons.append("key_rotation to epoch \(rotation.epoch) after epoch \(current.number): epochs go up by one")
                } else if epochs.contains(where: { $0.keyID == rotation.publicKey.keyID }) {
                    outcome.reasons.append("key_rotation names a key this chain already used (key_id \(rotation.publicKey.keyID))")
                } else {
                    follow(rotation, seq: outcome.seq, certifiedByRoot: byRoot)
                }
            } catch {
                outcome.reasons.append("\(error)")
            }
        }
        return outcome
    }

    /// Moves to the epoch `rotation` names (a rotation checked elsewhere, or just now).
    mutating func follow(_ rotation: KeyRotation, seq: Int64?, certifiedByRoot: Bool) {
        epochs.append(Epoch(number: rotation.epoch, key: rotation.publicKey, keyID: rotation.publicKey.keyID, rotationSeq: seq,
                            certifiedByRoot: certifiedByRoot))
        validator = RecordValidator(publicKey: rotation.publicKey, keyName: "epoch \(rotation.epoch)'s key")
    }

    /// The epochs a re-key started: the root key re-certified the chain there.
    public var rekeys: [Epoch] { epochs.filter(\.isRekey) }

    /// The validator of one line of a chain whose epochs `epochs` are (a verifier's report): the
    /// key of the epoch its seq falls in, or the root key for the `key_rotation` of a re-key.
    static func validator(forSeq seq: Int64, epochs: [Epoch]) -> RecordValidator? {
        guard let root = epochs.first else { return nil }
        if epochs.contains(where: { $0.isRekey && $0.rotationSeq == seq }) { return rootValidator(root.key) }
        guard let epoch = epochs.last(where: { ($0.rotationSeq ?? 0) < seq }), epoch.number > 0 else { return nil }
        return RecordValidator(publicKey: epoch.key, keyName: "epoch \(epoch.number)'s key")
    }

    private static func rootValidator(_ root: RecordPublicKey) -> RecordValidator {
        RecordValidator(publicKey: root, keyName: "the root key's")
    }

    /// A key_id mismatch says whose key signed instead, when the chain knows it.
    private func explainKey(_ reason: String) -> String {
        guard current.number > 0, reason.hasPrefix("unknown key: key_id ") else { return reason }
        let keyID = String(reason.dropFirst("unknown key: key_id ".count).prefix(while: { $0 != " " }))
        let place = current.rotationSeq.map { ", named by the key_rotation at seq \($0)" } ?? ""
        guard let other = epochs.first(where: { $0.keyID == keyID }) else {
            return "unknown key: key_id \(keyID) is not epoch \(current.number)'s key (\(current.keyID)\(place)) nor any key this chain rotated to before"
        }
        let whose = other.number == 0 ? "the root key" : "epoch \(other.number)'s key"
        return "signed with \(whose) (key_id \(keyID)), not with epoch \(current.number)'s key (\(current.keyID)\(place)): an earlier key signs nothing after its epoch"
    }
}
