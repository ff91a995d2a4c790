/// The credential and confinement fields isotrace uses from `/proc/<pid>/status`.
public struct ProcessStatus: Sendable, Equatable {
    /// Real, effective, saved and filesystem uid, in that order, as seen from the reader's user namespace.
    public var uids: [UInt32]
    public var gids: [UInt32]
    public var groups: [UInt32]
    /// The pid in each PID namespace from the reader's down to the process's own (`NSpid`).
    public var nspid: [Int32]
    public var capabilities: CapabilitySets
    public var noNewPrivs: Bool
    public var seccomp: SeccompMode
    /// Number of attached seccomp filters (`Seccomp_filters`, kernel 5.9+); nil on older kernels.
    public var seccompFilters: Int?
    public var tracerPid: Int32

    public init(uids: [UInt32], gids: [UInt32], groups: [UInt32], nspid: [Int32], capabilities: CapabilitySets,
                noNewPrivs: Bool, seccomp: SeccompMode, seccompFilters: Int?, tracerPid: Int32) {
        self.uids = uids
        self.gids = gids
        self.groups = groups
        self.nspid = nspid
        self.capabilities = capabilities
        self.noNewPrivs = noNewPrivs
        self.seccomp = seccomp
        self.seccompFilters = seccompFilters
        self.tracerPid = tracerPid
    }

    /// The keys isotrace reads, in the order of `Key.names`.
    private enum Key: Int, CaseIterable {
        case uid, gid, groups, nspid, capInh, capPrm, capEff, capBnd, capAmb, noNewPrivs, seccomp, seccompFilters, tracerPid

        static let names = ["Uid", "Gid", "Groups", "NSpid", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
                            "NoNewPrivs", "Seccomp", "Seccomp_filters", "TracerPid"]
        static let bytes = names.map { Array($0.utf8) }

        /// The key whose name is exactly `name`, compared as bytes (no String is made per line).
        static func matching(_ name: Bytes) -> Key? {
            guard name.count >= 3, name.count <= 15 else { return nil }
            for (index, candidate) in bytes.enumerated() where candidate.count == name.count && candidate.elementsEqual(name) {
                return Key(rawValue: index)
            }
            return nil
        }
    }

    /// Parses the `Key:\tvalue` lines. Every field isotrace relies on must be present and well
    /// formed; unknown keys are ignored so newer kernels keep working.
    public static func parse(_ bytes: Bytes) throws(ParseError) -> ProcessStatus {
        var found = [(line: Int, value: Bytes)?](repeating: nil, count: Key.allCases.count)
        var lineNumber = 0
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: ByteScan.newline) ?? bytes.endIndex
            let line = bytes[lineStart..<lineEnd]
            lineNumber += 1
            lineStart = lineEnd + 1
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw ParseError(file: "status", line: lineNumber, reason: "no ':' in \(ByteScan.preview(line))")
            }
            if let key = Key.matching(line[line.startIndex..<colon]) {
                found[key.rawValue] = (lineNumber, ByteScan.trimmed(line[(colon + 1)...]))
            }
        }
        let values = found
        func field(_ key: String) throws(ParseError) -> (line: Int, value: Bytes) {
            guard let index = Key.names.firstIndex(of: key), let found = values[index] else {
                throw ParseError(file: "status", reason: "no '\(key):' line")
            }
            return found
        }
        func numbers(_ key: String, count: Int?) throws(ParseError) -> [UInt64] {
            let (line, value) = try field(key)
            var result: [UInt64] = []
            for item in ByteScan.fields(value) {
                guard let number = ByteScan.unsigned(item) else {
                    throw ParseError(file: "status", line: line, reason: "\(key): not a number: \(ByteScan.preview(item))")
                }
                result.append(number)
            }
            if let count, result.count != count {
                throw ParseError(file: "status", line: line, reason: "\(key): expected \(count) values, found \(result.count)")
            }
            return result
        }
        func ids(_ key: String, count: Int?) throws(ParseError) -> [UInt32] {
            let line = try field(key).line
            var result: [UInt32] = []
            for number in try numbers(key, count: count) {
                guard let id = UInt32(exactly: number) else {
                    throw ParseError(file: "status", line: line, reason: "\(key): \(number) is out of range")
                }
                result.append(id)
            }
            return result
        }
        func mask(_ key: String) throws(ParseError) -> UInt64 {
            let (line, value) = try field(key)
            guard let mask = ByteScan.hex(value) else {
                throw ParseError(file: "status", line: line, reason: "\(key): not a hex mask: \(ByteScan.preview(value))")
            }
            return mask
        }
        func single(_ key: String) throws(ParseError) -> UInt64 { try numbers(key, count: 1)[0] }

        let seccompLine = try field("Seccomp").line
        let seccompValue = try single("Seccomp")
        guard let seccomp = SeccompMode(statusValue: seccompValue) else {
            throw ParseError(file: "status", line: seccompLine, reason: "Seccomp: unknown mode \(seccompValue)")
        }
        let nspid = try numbers("NSpid", count: nil).map { Int32(truncatingIfNeeded: $0) }
        let tracer = try single("TracerPid")
        return ProcessStatus(
            uids: try ids("Uid", count: 4),
            gids: try ids("Gid", count: 4),
            groups: try ids("Groups", count: nil),
            nspid: nspid,
            capabilities: CapabilitySets(
                inheritable: try mask("CapInh"), permitted: try mask("CapPrm"), effective: try mask("CapEff"),
                bounding: try mask("CapBnd"), ambient: try mask("CapAmb")),
            noNewPrivs: try single("NoNewPrivs") != 0,
            seccomp: seccomp,
            seccompFilters: values[Key.seccompFilters.rawValue] == nil ? nil : Int(try single("Seccomp_filters")),
            tracerPid: Int32(truncatingIfNeeded: tracer))
    }
}
