import Records

/// What the heartbeat and the metrics say about the process event source: running or
/// unavailable (and why), and its counters since the daemon started. Every loss is counted by its
/// cause: the kernel found the ring buffer full (`ring_buffer`), the daemon had no room for what it
/// read (`daemon_buffer`), or an ended process's ancestry reached nothing known (`unattributable`).
public struct ProcessEventCounts: Sendable, Equatable {
    /// nil while running; the reason when unavailable ("no kernel BTF", "not root", ...).
    public var unavailable: String?
    public var ringBytes = 0
    public var seen: UInt64 = 0
    /// `process` entries written for processes seen by events (seen_by: event).
    public var recorded = 0
    public var escaped = 0
    public var lostRingBuffer: UInt64 = 0
    public var lostDaemonBuffer: UInt64 = 0
    public var unattributable = 0

    public init(unavailable: String? = nil) { self.unavailable = unavailable }

    public var lost: UInt64 { lostRingBuffer + lostDaemonBuffer + UInt64(unattributable) }

    /// "process events: running ..." or "process events: unavailable, why".
    public var summary: String {
        if let unavailable { return "process events: unavailable, \(unavailable)" }
        return "process events: running (BPF fork/exec/exit tracepoints, ring buffer \(ringBytes / 1024) KiB)"
    }

    var json: JSONValue {
        func number<T: BinaryInteger>(_ value: T) -> JSONValue { DaemonRecords.integer(value) }
        return .object([
            JSONMember("state", .string(unavailable == nil ? "running" : "unavailable")),
            JSONMember("reason", unavailable.map(JSONValue.string) ?? .null),
            JSONMember("ring_bytes", number(ringBytes)),
            JSONMember("seen", number(seen)),
            JSONMember("recorded", number(recorded)),
            JSONMember("escaped", number(escaped)),
            JSONMember("lost", .object([
                JSONMember("ring_buffer", number(lostRingBuffer)),
                JSONMember("daemon_buffer", number(lostDaemonBuffer)),
                JSONMember("unattributable", number(unattributable)),
            ])),
        ])
    }
}
