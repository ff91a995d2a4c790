import Jobs

/// A policy: how pilots are recognised, where pilot credentials live, and the rules every job is
/// checked against. Loaded from `policies/*.yaml` by `PolicyLoader`.
public struct Policy: Sendable, Equatable {
    public var id: String
    public var version: String
    public var title: String
    public var pilots: PilotPatterns
    public var credentials: CredentialLocations
    /// Environment variables kept by the sampler in addition to its built-in allowlist.
    public var extraEnvironment: [String]
    public var rules: [PolicyRule]
    /// How the batch systems name a job's cgroup (`batch_systems`): the batch job of each pilot.
    public var batchSystems: [BatchCgroupPattern]
    /// Hex SHA-256 of the policy file's bytes: which exact policy an audit used.
    public var sha256: String

    public init(id: String, version: String, title: String, pilots: PilotPatterns, credentials: CredentialLocations,
                extraEnvironment: [String], rules: [PolicyRule], sha256: String, batchSystems: [BatchCgroupPattern] = []) {
        self.id = id
        self.version = version
        self.title = title
        self.pilots = pilots
        self.credentials = credentials
        self.extraEnvironment = extraEnvironment
        self.rules = rules
        self.batchSystems = batchSystems
        self.sha256 = sha256
    }

    public func rule(_ id: String) -> PolicyRule? { rules.first { $0.id == id } }
}

/// Where the pilot's credentials are, so ISO-CRED can test whether a payload can read them.
public struct CredentialLocations: Sendable, Equatable {
    /// Variables of the pilot's environment that hold a credential's path (X509_USER_PROXY).
    public var environmentVariables: [String]
    /// Path templates; `{uid}` is the pilot's uid (e.g. `/tmp/x509up_u{uid}`).
    public var paths: [String]

    public init(environmentVariables: [String], paths: [String]) {
        self.environmentVariables = environmentVariables
        self.paths = paths
    }

    /// The concrete paths for a pilot with `uid` and (allowlisted) `environment`.
    public func resolve(uid: UInt32, environment: [String: String]) -> [String] {
        var result: [String] = []
        for variable in environmentVariables {
            if let path = environment[variable], path.hasPrefix("/"), !result.contains(path) { result.append(path) }
        }
        for template in paths {
            let path = template.replacingUID(with: uid)
            if !result.contains(path) { result.append(path) }
        }
        return result
    }
}

extension String {
    fileprivate func replacingUID(with uid: UInt32) -> String {
        // Byte by byte: this runs for every job's credential check in every daemon cycle.
        let placeholder = Array("{uid}".utf8)
        let bytes = Array(utf8)
        guard bytes.contains(placeholder[0]) else { return self }
        let number = Array(String(uid).utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + number.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == placeholder[0], bytes[index...].starts(with: placeholder) {
                output += number
                index += placeholder.count
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
