/// The node a record was written on (its `node` object).
public struct RecordedNodeFacts: Sendable, Equatable, Hashable {
    public var hostname: String?
    public var bootID: String?
    public var machineID: String?

    public init(hostname: String?, bootID: String?, machineID: String?) {
        self.hostname = hostname
        self.bootID = bootID
        self.machineID = machineID
    }
}
