/// Who submitted a job: the certificate DN PanDA calls `prodUserID`, and where it was read.
/// The DN is only as trustworthy as the file it came from: when the payload could have written
/// that file, the evidence is marked payload-writable.
public struct JobOwner: Sendable, Equatable, Codable {
    public var dn: String
    /// The file it was read from, as the reading process saw it.
    public var source: String
    /// True when a payload process could have written or replaced that file (its mode, owner or
    /// ACL, or any directory above it, allows it): the DN is then a claim, not evidence.
    public var payloadWritable: Bool
    /// Why the DN is only a claim, when it is.
    public var claimReason: String?

    enum CodingKeys: String, CodingKey { case dn, source, payloadWritable = "payload_writable", claimReason = "claim_reason" }

    public init(dn: String, source: String, payloadWritable: Bool, claimReason: String? = nil) {
        self.dn = dn
        self.source = source
        self.payloadWritable = payloadWritable
        self.claimReason = claimReason
    }
}

/// Finds the owner's DN in the files a pilot leaves (../shared/reference/pilot3-observed.md).
public enum JobOwnerParser {
    /// pilot3 logs `job definition = {...}` (a Python dict) when it gets a job
    /// (pilot/control/job.py dump_job_definition); the last dump naming `pandaID` wins.
    public static func fromPilotLog(_ bytes: [UInt8], pandaID: String) -> String? {
        var found: String?
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            guard text.contains("job definition = {"), mentionsPandaID(text, pandaID),
                  let dn = quotedValue(of: "prodUserID", in: text), !dn.isEmpty else { continue }
            found = dn
        }
        return found
    }

    /// The ATLAS trace report in the job directory (`base_trace_report.json`) carries `usrdn`.
    public static func fromTraceReport(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let range = text.firstRange(of: "\"usrdn\"") else { return nil }
        let rest = text[range.upperBound...].drop(while: { $0 == " " || $0 == ":" })
        guard rest.first == "\"" else { return nil }
        let value = rest.dropFirst().prefix(while: { $0 != "\"" })
        return value.isEmpty ? nil : String(value)
    }

    private static func mentionsPandaID(_ text: String, _ pandaID: String) -> Bool {
        text.contains("'PandaID': \(pandaID),") || text.contains("'PandaID': '\(pandaID)'")
            || text.contains("'PandaID': \(pandaID)}")
    }

    /// `'key': 'value'` in a Python dict's repr (DNs hold no single quotes).
    private static func quotedValue(of key: String, in text: String) -> String? {
        guard let range = text.firstRange(of: "'\(key)': '") else { return nil }
        let value = text[range.upperBound...].prefix(while: { $0 != "'" })
        return String(value)
    }
}
