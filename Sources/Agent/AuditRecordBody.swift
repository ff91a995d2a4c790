import Policy
import Records

extension RecordBody {
    /// An `audit` record: the whole audit, exactly as `isotrace audit --format json` prints it
    /// (written by `AuditJSONWriter`, the bytes JSONEncoder would make). Those bytes are already
    /// canonical JSON on every node seen so far (keys sorted, integers, RFC 8785's escapes) and
    /// are then signed as they are, checked in one pass; anything else is parsed and written
    /// canonically (`CanonicalMember`). Built here, above both Policy and Records, so that the
    /// record model does not depend on the policy engine; used by `audit --record` and the daemon.
    /// What the index reads of it is handed over typed (`auditFacts`), from the same audit.
    public static func audit(_ result: AuditResult) throws -> RecordBody {
        RecordBody(type: .audit, canonicalMembers: [
            try CanonicalMember("audit", json: AuditJSONWriter.encode(result), of: "AuditResult"),
            try CanonicalMember("sampler", .string(result.snapshot.sampler.rawValue)),
        ], auditFacts: AuditFacts(result))
    }
}
