import Records

/// What an incident report reads from a cited record's line beyond the index: its key_id, the
/// node it was written on, and the owner an `audit` record states for the job. Pure: bytes in,
/// through Records' decoder of record lines, taking what the line has.
public struct RecordLineFacts: Sendable, Equatable {
    public var keyID: String?
    public var node: RecordNode?
    /// (dn, source, payload_writable) for the job, from `audit.jobs[].owner`.
    public var owners: [RecordedOwner]

    /// nil when the line is not a JSON object.
    public static func parse(_ line: [UInt8], pandaID: String, seq: Int64) -> RecordLineFacts? {
        guard let stated = try? RecordLine.decode(line, as: StatedFacts.self) else { return nil }
        var owners: [RecordedOwner] = []
        for job in stated.jobs where job.pandaID == pandaID {
            guard let owner = job.owner, let dn = owner.dn else { continue }
            owners.append(RecordedOwner(dn: dn, source: owner.source ?? "?", payloadWritable: owner.payloadWritable ?? true, seqs: [seq]))
        }
        return RecordLineFacts(keyID: stated.keyID, node: stated.node, owners: owners)
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

/// The members of a record line the report reads, each taken when it has the expected shape and
/// left out otherwise (a line is evidence as written; the signature check judges it).
private struct StatedFacts: Decodable {
    var keyID: String?
    var node: RecordNode?
    var jobs: [Job] = []

    struct Job: Decodable {
        var pandaID: String?
        var owner: Owner?

        enum CodingKeys: String, CodingKey { case pandaID = "panda_id", owner }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // PanDA IDs are strings in the audit contract; tolerate numbers.
            pandaID = (try? container.decodeIfPresent(String.self, forKey: .pandaID))
                ?? (try? container.decodeIfPresent(Int64.self, forKey: .pandaID)).flatMap { $0.map(String.init) }
            owner = try? container.decodeIfPresent(Owner.self, forKey: .owner)
        }
    }

    struct Owner: Decodable {
        var dn: String?
        var source: String?
        var payloadWritable: Bool?

        enum CodingKeys: String, CodingKey { case dn, source, payloadWritable = "payload_writable" }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dn = try? container.decodeIfPresent(String.self, forKey: .dn)
            source = try? container.decodeIfPresent(String.self, forKey: .source)
            payloadWritable = try? container.decodeIfPresent(Bool.self, forKey: .payloadWritable)
        }
    }

    enum CodingKeys: String, CodingKey { case keyID = "key_id", node, audit }
    enum AuditKeys: String, CodingKey { case jobs }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyID = try? container.decodeIfPresent(String.self, forKey: .keyID)
        node = try? container.decodeIfPresent(RecordNode.self, forKey: .node)
        if let audit = try? container.nestedContainer(keyedBy: AuditKeys.self, forKey: .audit),
           var list = try? audit.nestedUnkeyedContainer(forKey: .jobs) {
            while !list.isAtEnd {
                if let job = try? list.decode(Job.self) {
                    jobs.append(job)
                } else if (try? list.decode(Skipped.self)) == nil {
                    break
                }
            }
        }
    }

    /// Any JSON value, to step over a job that is not an object.
    private struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }
}
