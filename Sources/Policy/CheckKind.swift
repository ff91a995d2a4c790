/// The fixed set of checks the engine implements. A policy selects, parameterises and grades
/// them; it cannot add new kinds (`policy lint` rejects unknown ones).
public enum CheckKind: String, CaseIterable, Sendable, Codable {
    /// Payload's effective uid on the host differs from the pilot's (ISO-UID).
    case differentUID = "different_uid"
    /// Payload is in another namespace of the kind in parameter `namespace` (ISO-PIDNS, -MNTNS, -IPCNS).
    case differentNamespace = "different_namespace"
    /// The payload cannot read the pilot's /proc entries (ISO-PROC).
    case procUnreadable = "proc_unreadable"
    /// The payload cannot signal the pilot (ISO-SIGNAL).
    case signalBlocked = "signal_blocked"
    /// Nobody traces pilot or payload, and the payload cannot attach to the pilot (ISO-PTRACE).
    case ptraceBlocked = "ptrace_blocked"
    /// No pilot credential is readable with the payload's credentials through its root (ISO-CRED).
    case credentialsUnreadable = "credentials_unreadable"
    /// The payload's /tmp is not the pilot's (ISO-TMP).
    case privateTmp = "private_tmp"
    /// Payloads of different jobs have distinct uids or PID namespaces (ISO-XPAYLOAD).
    case crossPayload = "cross_payload"
    /// Payload has NoNewPrivs (PRIV-NNP).
    case noNewPrivs = "no_new_privs"
    /// Payload has no effective capabilities in the initial user namespace (PRIV-CAPS).
    case noCapabilities = "no_capabilities"
    /// Every payload process maps to exactly one PanDA ID; spoofed claims fail (TRACE-ATTR).
    case attribution = "attribution"
    /// Payload processes are inside the pilot's cgroup subtree (TRACE-CGROUP).
    case cgroupContained = "cgroup_contained"
    /// kernel.yama.ptrace_scope is at least parameter `minimum` (NODE-PTRACE).
    case nodePtraceScope = "node_ptrace_scope"
    /// Reports the state of user namespaces on the node (NODE-USERNS).
    case nodeUserNamespaces = "node_user_namespaces"
    /// Reports setuid container runtimes among parameter `paths` (NODE-SETUID).
    case nodeSetuidRuntime = "node_setuid_runtime"

    /// Node checks run once per audit; the others once per job.
    public var isNodeCheck: Bool {
        switch self {
        case .nodePtraceScope, .nodeUserNamespaces, .nodeSetuidRuntime: return true
        default: return false
        }
    }

    /// Job checks whose verdict depends on files as well as on the processes (credential modes
    /// can change while no process does): an audit that reuses a job's verdicts evaluates these again.
    public var looksAtFiles: Bool { self == .credentialsUnreadable }

    /// Job checks whose verdict depends on the other jobs (their uids and PID namespaces, how
    /// many there are): evaluated again for an unchanged job when the other jobs changed.
    public var looksAtOtherJobs: Bool { self == .crossPayload }

    /// Job checks whose verdict depends on the node around the job (ptrace_scope, the mount
    /// tables: hidepid, /tmp): evaluated again for an unchanged job when those changed.
    public var looksAtNode: Bool {
        switch self {
        case .ptraceBlocked, .procUnreadable, .privateTmp: return true
        default: return false
        }
    }

    /// The parameters each kind accepts, with their types. Lint rejects any other.
    public var parameters: [String: PolicyValue.Kind] {
        switch self {
        case .differentNamespace: return ["namespace": .string]
        case .nodePtraceScope: return ["minimum": .integer]
        case .nodeSetuidRuntime: return ["paths": .stringList]
        case .credentialsUnreadable: return ["acl_verdict": .string]
        default: return [:]
        }
    }

    /// Parameters that must be given.
    public var requiredParameters: Set<String> {
        switch self {
        case .differentNamespace: return ["namespace"]
        default: return []
        }
    }
}

/// A parameter value from the policy file.
public enum PolicyValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case stringList([String])

    public enum Kind: String, Sendable {
        case string, integer, boolean
        case stringList = "list of strings"
    }

    public var string: String? { if case .string(let value) = self { return value } else { return nil } }
    public var integer: Int? { if case .integer(let value) = self { return value } else { return nil } }
    public var stringList: [String]? { if case .stringList(let value) = self { return value } else { return nil } }
}
