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
        // A kernel's file takes the one-pass path; anything it does not expect (a malformed or
        // forged file) is parsed again by the checking path, which names what is wrong.
        if let status = bytes.withUnsafeBufferPointer({ FastStatus.parse($0) }) { return status }
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

/// The one pass over a well-formed status file: each line's key told by its length and bytes,
/// its numbers read in place. nil for anything unexpected (`parseChecked` then says what).
enum FastStatus {
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> ProcessStatus? {
        var uids: [UInt32]?, gids: [UInt32]?, groups: [UInt32]?, nspid: [Int32]?
        var capInh: UInt64?, capPrm: UInt64?, capEff: UInt64?, capBnd: UInt64?, capAmb: UInt64?
        var noNewPrivs: UInt64?, seccomp: UInt64?, seccompFilters: UInt64?, tracerPid: UInt64?
        var lineStart = 0
        let end = text.count
        while lineStart < end {
            var lineEnd = end
            if let newline = memchr(text.baseAddress! + lineStart, Int32(ByteScan.newline), end - lineStart) {
                lineEnd = UnsafeRawPointer(newline) - UnsafeRawPointer(text.baseAddress!)
            }
            var colon = lineStart
            while colon < lineEnd && text[colon] != UInt8(ascii: ":") { colon += 1 }
            guard colon < lineEnd else { return nil }
            let key = UnsafeBufferPointer(rebasing: text[lineStart..<colon])
            let value = UnsafeBufferPointer(rebasing: text[(colon + 1)..<lineEnd])
            lineStart = lineEnd + 1
            switch key.count {
            case 3:
                if named(key, "Uid") { uids = ids(value, count: 4); if uids == nil { return nil } }
                else if named(key, "Gid") { gids = ids(value, count: 4); if gids == nil { return nil } }
            case 5:
                if named(key, "NSpid") {
                    guard let numbers = numbers(value) else { return nil }
                    nspid = numbers.map { Int32(truncatingIfNeeded: $0) }
                }
            case 6:
                guard key[0] == UInt8(ascii: "C") || key[0] == UInt8(ascii: "G") else { break }
                if named(key, "Groups") { groups = ids(value, count: nil); if groups == nil { return nil } }
                else if named(key, "CapInh") { capInh = hex(value); if capInh == nil { return nil } }
                else if named(key, "CapPrm") { capPrm = hex(value); if capPrm == nil { return nil } }
                else if named(key, "CapEff") { capEff = hex(value); if capEff == nil { return nil } }
                else if named(key, "CapBnd") { capBnd = hex(value); if capBnd == nil { return nil } }
                else if named(key, "CapAmb") { capAmb = hex(value); if capAmb == nil { return nil } }
            case 7:
                if named(key, "Seccomp") { seccomp = single(value); if seccomp == nil { return nil } }
            case 9:
                if named(key, "TracerPid") { tracerPid = single(value); if tracerPid == nil { return nil } }
            case 10:
                if named(key, "NoNewPrivs") { noNewPrivs = single(value); if noNewPrivs == nil { return nil } }
            case 15:
                if named(key, "Seccomp_filters") { seccompFilters = single(value); if seccompFilters == nil { return nil } }
            default: break
            }
        }
        guard let uids, let gids, let groups, let nspid, let capInh, let capPrm, let capEff, let capBnd, let capAmb,
              let noNewPrivs, let seccompValue = seccomp, let seccomp = SeccompMode(statusValue: seccompValue), let tracerPid
        else { return nil }
        var filters: Int?
        if let seccompFilters {
            guard let count = Int(exactly: seccompFilters) else { return nil }
            filters = count
        }
        return ProcessStatus(
            uids: uids, gids: gids, groups: groups, nspid: nspid,
            capabilities: CapabilitySets(inheritable: capInh, permitted: capPrm, effective: capEff, bounding: capBnd, ambient: capAmb),
            noNewPrivs: noNewPrivs != 0, seccomp: seccomp, seccompFilters: filters, tracerPid: Int32(truncatingIfNeeded: tracerPid))
    }

    @inline(__always)
    private static func named(_ key: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        key.count == name.utf8CodeUnitCount && memcmp(key.baseAddress!, name.utf8Start, key.count) == 0
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool { byte == ByteScan.space || byte == ByteScan.tab }

    /// The space- or tab-separated decimal numbers of a value (each at most 20 digits, as
    /// `ByteScan.unsigned` takes them), each handed to `body`; false for anything else.
    @inline(__always)
    private static func numbers(_ value: UnsafeBufferPointer<UInt8>, _ body: (UInt64) -> Bool) -> Bool {
        var index = 0
        while index < value.count {
            if isBlank(value[index]) { index += 1; continue }
            let start = index
            var number: UInt64 = 0
            while index < value.count && !isBlank(value[index]) {
                let digit = value[index] &- 48
                guard digit <= 9 else { return false }
                let (times, o1) = number.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(digit))
                guard !o1 && !o2 else { return false }
                number = sum
                index += 1
            }
            guard index - start <= 20, body(number) else { return false }
        }
        return true
    }

    private static func numbers(_ value: UnsafeBufferPointer<UInt8>) -> [UInt64]? {
        var result: [UInt64] = []
        return numbers(value) { result.append($0); return true } ? result : nil
    }

    private static func ids(_ value: UnsafeBufferPointer<UInt8>, count: Int?) -> [UInt32]? {
        var ids: [UInt32] = []
        ids.reserveCapacity(count ?? 4)
        let valid = numbers(value) { number in
            guard let id = UInt32(exactly: number) else { return false }
            ids.append(id)
            return true
        }
        guard valid, count == nil || ids.count == count else { return nil }
        return ids
    }

    private static func single(_ value: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var found: UInt64?, seen = 0
        let valid = numbers(value) { number in
            found = number
            seen += 1
            return true
        }
        return valid && seen == 1 ? found : nil
    }

    /// One hexadecimal mask of 1 to 16 digits, with blanks around it only.
    private static func hex(_ value: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var start = 0, end = value.count
        while start < end && isBlank(value[start]) { start += 1 }
        while end > start && isBlank(value[end - 1]) { end -= 1 }
        return ByteScan.hex(UnsafeBufferPointer(rebasing: value[start..<end]))
    }
}
