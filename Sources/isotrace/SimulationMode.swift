/// The isolation set-ups `isotrace simulate` can build, each a pilot with one payload.
enum SimulationMode: String, CaseIterable {
    /// Own uid, new PID, mount and IPC namespaces, private /tmp, NoNewPrivs, no capabilities
    /// (bubblewrap as the container runtime, setpriv to drop to the payload uid).
    case isolated
    /// Same uid and namespaces as the pilot: what a pilot without a container does.
    case leaky
    /// Unprivileged-container style: a user namespace mapping the pilot's uid 1:1, new mount and
    /// IPC namespaces, the pilot's PID namespace and /tmp (Apptainer's default without setuid).
    case userns

    var pandaID: String {
        switch self {
        case .isolated: return "9100000001"
        case .leaky: return "9100000002"
        case .userns: return "9100000003"
        }
    }

    var taskID: String { "910000" }

    /// The DN the simulated pilot logs as the job's owner (prodUserID).
    static let ownerDN = "/DC=org/DC=isotrace/OU=simulate/CN=Simulated Submitter"

    /// Only a privileged pilot can start its payload under another uid; sites do it with a
    /// privileged launcher, the simulation with a pilot that runs as root.
    var pilotRunsAsRoot: Bool { self == .isolated }

    /// The command the pilot hands to `/bin/bash -c`.
    func payloadCommand(payloadUID: UInt32, hold: Int) -> String {
        let workload = "'sleep \(hold) & sleep \(hold); wait'"
        switch self {
        case .isolated:
            return "exec bwrap --unshare-pid --unshare-ipc --dev-bind / / --tmpfs /tmp --proc /proc --die-with-parent -- "
                + "setpriv --reuid \(payloadUID) --regid \(payloadUID) --clear-groups --no-new-privs --inh-caps=-all "
                + "--bounding-set=-all -- /bin/bash -c \(workload)"
        case .leaky:
            return "sleep \(hold) & sleep \(hold); wait"
        case .userns:
            return "exec unshare --user --map-current-user --mount --ipc -- /bin/bash -c \(workload)"
        }
    }

    /// The tools a mode needs beyond python3.
    var tools: [String] {
        switch self {
        case .isolated: return ["/usr/bin/bwrap", "/usr/bin/setpriv"]
        case .leaky: return []
        case .userns: return ["/usr/bin/unshare"]
        }
    }
}
