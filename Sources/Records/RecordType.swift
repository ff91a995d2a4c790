/// The kinds of record and the body keys each carries besides the envelope (DESIGN.md "Records").
/// `verify` refuses a record with a missing or an unknown key for its type, so a new type or key is
/// added here first.
public enum RecordType: String, Sendable, CaseIterable {
    /// One full audit: `"audit"` holds the `isotrace audit --format json` document.
    case audit
    /// A writer found a partial last line (a crash mid-append), moved it to `partial_file` in the
    /// records directory and continued the chain.
    case recovery
    /// Daemon: first sight of processes of one job (or of the node) in one cycle (`"processes"`:
    /// each PROCESS + role, attribution, first_seen, last_seen, seen_by: `sample` or `event`), or,
    /// in records written before sampled processes were grouped, of one (`"process"`).
    case process
    /// Daemon: recorded processes are gone (`"processes"`: each identity, attribution, first_seen,
    /// last_seen; or `"process"`, one, in records written before the grouping).
    case exit
    /// Daemon: a rule's verdict for a job (or the node) changed (`"finding"`, `"panda_id"`, `"pilot"`,
    /// `"previous_status"`).
    case finding
    /// Daemon: alive, with counters (`"heartbeat"`) and the chain head just before it
    /// (`"chain_head"`, `ChainHead`; heartbeats written before it existed lack it).
    case heartbeat
    /// Prune: the chain head before old segments were removed (`"checkpoint"`).
    case checkpoint
    /// The signer moved to a new epoch key (`KeyRotation`): `"key_rotation"` names the new public
    /// key and its epoch, `"chain_head"` the head this record continues. Signed by the key of the
    /// epoch it ends (the root key for epoch 1); every later record, until the next rotation, is
    /// signed by the key it names.
    case keyRotation = "key_rotation"

    public var bodyKeys: [String] {
        switch self {
        case .audit: return ["audit"]
        case .recovery: return ["partial_bytes", "partial_file"]
        case .process, .exit: return ["process"]
        case .finding: return ["finding", "panda_id", "pilot", "previous_status"]
        case .heartbeat: return ["heartbeat"]
        case .checkpoint: return ["checkpoint"]
        case .keyRotation: return [ChainHead.bodyKey, "key_rotation"]
        }
    }

    /// A required body key another may stand in for: a `process` or `exit` record states several
    /// processes of one job or of the node (`processes`: seen by the sampler in one cycle, or by the
    /// process event source between two samples), or one (`process`: a sampled process, as written
    /// before sampled processes were grouped).
    public var bodyKeyAlternatives: [String: String] {
        switch self {
        case .process, .exit: return ["process": "processes"]
        case .audit, .recovery, .finding, .heartbeat, .checkpoint, .keyRotation: return [:]
        }
    }

    /// Body keys a record of this type may carry: `sampler` ("bpf" or "procfs"), which sampler
    /// saw what the record says; a heartbeat's `chain_head`; a `process` or `exit` record's
    /// `shared`, what every entry of its `processes` states alike (`SharedEntryMembers`). Records
    /// written before they existed lack them and stay valid.
    public var optionalBodyKeys: [String] {
        switch self {
        case .heartbeat: return [ChainHead.bodyKey, "sampler"]
        case .process, .exit: return ["sampler", SharedEntryMembers.key]
        case .audit, .finding: return ["sampler"]
        case .recovery, .checkpoint, .keyRotation: return []
        }
    }
}
