/// Which machine and which boot wrote a record: `"node": {"hostname", "boot_id", "machine_id"}`.
/// A fact that could not be read is null, never left out.
public struct RecordNode: Sendable, Equatable, Hashable {
    public var hostname: String?
    public var bootID: String?
    public var machineID: String?

    public init(hostname: String?, bootID: String?, machineID: String?) {
        self.hostname = hostname
        self.bootID = bootID
        self.machineID = machineID
    }

    public static let keys = ["boot_id", "hostname", "machine_id"]

    public var json: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([JSONMember("hostname", text(hostname)), JSONMember("boot_id", text(bootID)), JSONMember("machine_id", text(machineID))])
    }
}

extension RecordNode: Decodable {
    enum CodingKeys: String, CodingKey {
        case hostname, bootID = "boot_id", machineID = "machine_id"
    }
}
