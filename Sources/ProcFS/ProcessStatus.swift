import CProcShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
        try parse(bytes, sharing: nil)
    }

    /// `parse`, taking the uid, gid and group arrays of `earlier` (the sampler's last status)
    /// where they are the same: the processes of a node have a few, one array each is enough.
    static func parse(_ bytes: Bytes, sharing earlier: ProcessStatus?) throws(ParseError) -> ProcessStatus {
        // A kernel's file takes the one-pass path; anything it does not expect (a malformed or
        // forged file) is parsed again by the checking path, which names what is wrong.
        if let status = bytes.withUnsafeBufferPointer({ FastStatus.parse($0, sharing: earlier) }) { return status }
        return try parseChecked(bytes)
    }

    static func parseChecked(_ bytes: Bytes) throws(ParseError) -> ProcessStatus {
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
        func filterCount() throws(ParseError) -> Int {
            let count = try single("Seccomp_filters")
            guard let value = Int(exactly: count) else {
                throw ParseError(file: "status", line: try field("Seccomp_filters").line, reason: "Seccomp_filters: \(count) is out of range")
            }
            return value
        }
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
            seccompFilters: values[Key.seccompFilters.rawValue] == nil ? nil : try filterCount(),
            tracerPid: Int32(truncatingIfNeeded: tracer))
    }
}

/// The one pass over a well-formed status file, in C (`isotrace_parse_status`: each line's key
/// told by its length and bytes, its numbers read in place, no array until the values are
/// known). nil for anything unexpected (`parseChecked` then says what), and for more groups or
/// NSpid levels than the C side holds (`parseChecked` then reads them).
enum FastStatus {
    static func parse(_ text: UnsafeBufferPointer<UInt8>, sharing earlier: ProcessStatus? = nil) -> ProcessStatus? {
        withUnsafeTemporaryAllocation(of: isotrace_status.self, capacity: 1) { scratch -> ProcessStatus? in
            let status = scratch.baseAddress!
            guard isotrace_parse_status(text.baseAddress, text.count, status) == 1 else { return nil }
            let required: UInt32 = (ISOTRACE_STATUS_UID | ISOTRACE_STATUS_GID | ISOTRACE_STATUS_GROUPS
                | ISOTRACE_STATUS_NSPID | ISOTRACE_STATUS_CAPINH | ISOTRACE_STATUS_CAPPRM
                | ISOTRACE_STATUS_CAPEFF | ISOTRACE_STATUS_CAPBND | ISOTRACE_STATUS_CAPAMB
                | ISOTRACE_STATUS_NONEWPRIVS | ISOTRACE_STATUS_SECCOMP | ISOTRACE_STATUS_TRACERPID)
            let found = status.pointee.found
            guard found & required == required, let seccomp = SeccompMode(statusValue: status.pointee.seccomp) else { return nil }
            var filters: Int?
            if found & ISOTRACE_STATUS_SECCOMP_FILTERS != 0 {
                guard let count = Int(exactly: status.pointee.seccomp_filters) else { return nil }
                filters = count
            }
            let uids = Self.array(&status.pointee.uids, count: 4, reusing: earlier?.uids)
            let gids = Self.array(&status.pointee.gids, count: 4, reusing: earlier?.gids)
            let groups = Self.array(&status.pointee.groups, count: Int(status.pointee.group_count), reusing: earlier?.groups)
            let nspid = Self.array(&status.pointee.nspid, count: Int(status.pointee.nspid_count), reusing: nil as [Int32]?)
            return ProcessStatus(
                uids: uids, gids: gids, groups: groups, nspid: nspid,
                capabilities: CapabilitySets(
                    inheritable: status.pointee.cap_inheritable, permitted: status.pointee.cap_permitted,
                    effective: status.pointee.cap_effective, bounding: status.pointee.cap_bounding,
                    ambient: status.pointee.cap_ambient),
                noNewPrivs: status.pointee.no_new_privs != 0, seccomp: seccomp, seccompFilters: filters,
                tracerPid: Int32(truncatingIfNeeded: status.pointee.tracer_pid))
        }
    }

    /// The first `count` elements of a C array field (a tuple in Swift), read in place; `kept`
    /// itself when it holds the same elements.
    @inline(__always)
    private static func array<Tuple, Element: Equatable>(_ field: UnsafeMutablePointer<Tuple>, count: Int,
                                                         reusing kept: [Element]?) -> [Element] {
        UnsafeMutableRawPointer(field).withMemoryRebound(to: Element.self, capacity: count) {
            let read = UnsafeBufferPointer(start: $0, count: count)
            if let kept, kept.count == count,
               count == 0 || kept.withUnsafeBytes({ memcmp($0.baseAddress!, read.baseAddress!, $0.count) == 0 }) {
                return kept
            }
            return Array(read)
        }
    }
}
