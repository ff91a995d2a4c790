import Foundation
import Records

/// What an incident report reads from a cited record's line beyond the index: its key_id, the
/// node it was written on, and the owner an `audit` record states for the job. Pure: bytes in.
public struct RecordLineFacts: Sendable, Equatable {
    public var keyID: String?
    public var node: RecordNode?
    /// (dn, source, payload_writable) for the job, from `audit.jobs[].owner`.
    public var owners: [RecordedOwner]

    /// nil when the line is not a JSON object.
    public static func parse(_ line: [UInt8], pandaID: String, seq: Int64) -> RecordLineFacts? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return nil }
        let node = (object["node"] as? [String: Any]).map {
            RecordNode(hostname: $0["hostname"] as? String, bootID: $0["boot_id"] as? String, machineID: $0["machine_id"] as? String)
        }
        var owners: [RecordedOwner] = []
        let jobs = (object["audit"] as? [String: Any])?["jobs"] as? [[String: Any]] ?? []
        for job in jobs where Self.text(job["panda_id"]) == pandaID {
            guard let owner = job["owner"] as? [String: Any], let dn = owner["dn"] as? String else { continue }
            owners.append(RecordedOwner(dn: dn, source: owner["source"] as? String ?? "?",
                                        payloadWritable: owner["payload_writable"] as? Bool ?? true, seqs: [seq]))
        }
        return RecordLineFacts(keyID: object["key_id"] as? String, node: node, owners: owners)
    }

    /// PanDA IDs are strings in the audit contract; tolerate numbers.
    static func text(_ value: Any?) -> String? {
        if let string = value as? String { return string }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }

    /// The owners of many records merged: one entry per (dn, source, payload_writable), seqs joined.
    public static func merge(_ owners: [RecordedOwner]) -> [RecordedOwner] {
        var merged: [RecordedOwner] = []
        for owner in owners {
            if let index = merged.firstIndex(where: { $0.dn == owner.dn && $0.source == owner.source && $0.payloadWritable == owner.payloadWritable }) {
                merged[index].seqs += owner.seqs
            } else {
                merged.append(owner)
            }
        }
        return merged
    }
}
