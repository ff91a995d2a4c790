import Policy
import Records

extension RecordBody {
    /// An `audit` record: the whole audit, exactly as `isotrace audit --format json` prints it
    /// (written by `AuditJSONWriter`, the bytes JSONEncoder would make, then parsed).
    /// Built here, above both Policy and Records, so that the record model does not depend on
    /// the policy engine; used by `audit --record` and the daemon.
    public static func audit(_ result: AuditResult) throws -> RecordBody {
        RecordBody(type: .audit, members: [
            JSONMember("audit", try JSONValue(json: AuditJSONWriter.encode(result), of: "AuditResult")),
            JSONMember("sampler", .string(result.snapshot.sampler.rawValue)),
        ])
    }
}
