import CProcShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The only environment variables isotrace keeps. Everything else in `/proc/<pid>/environ` is
/// dropped while parsing, before a `String` is even made of its value: environments hold tokens,
/// passwords and proxies, and isotrace output is kept for months as evidence.
///
/// Kept: PanDA job identifiers, pilot and harvester identifiers, the proxy's *path*, the
/// container's name, and the batch system's job ID (see ../shared/reference/panda-pilot.md).
/// Container variables are named one by one, not by prefix: `APPTAINERENV_*` forwards arbitrary
/// variables into the container and `APPTAINER_DOCKER_PASSWORD` is a secret.
public struct EnvironmentAllowlist: Sendable, Equatable {
    /// The built-in names.
    public static let names: Set<String> = [
        "PandaID", "PANDAID", "PanDA_TaskID", "PanDA_AttemptNr", "FRONTIER_ID",
        "HARVESTER_ID", "HARVESTER_WORKER_ID", "GTAG", "PILOT_HOME", "X509_USER_PROXY",
        "APPTAINER_CONTAINER", "APPTAINER_NAME", "SINGULARITY_CONTAINER", "SINGULARITY_NAME",
        "HTCondor_Job_ID", "_CONDOR_JOB_AD", "SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID", "JOB_ID",
    ]

    /// The built-in allowlist.
    public static let standard = EnvironmentAllowlist()

    /// The names kept by this allowlist: the built-in ones plus a policy's extra names.
    public let names: Set<String>
    /// The names as bytes, indexed by length, so a dropped variable costs a length check and
    /// at most a few byte comparisons (no hashing, no String).
    private let namesByLength: [[[UInt8]]]
    /// The first two bytes of every name (a one-byte name: its byte and `=`) as bits of a 64 Kib
    /// set: almost every variable of a real environment (PATH aside) is dropped on those two
    /// bytes alone. nil when a name is empty.
    private let leadingPairs: [UInt64]?
    /// The names' bytes by length and where each length's start, for the C scan
    /// (`isotrace_environ_named`); nil when `leadingPairs` is (then Swift looks at every entry).
    private let nameTable: NameTable?

    private struct NameTable: Sendable, Equatable {
        var names: [UInt8]
        var byLength: [UInt32]
    }

    public init(extra: [String] = []) {
        names = Self.names.union(extra)
        let grouped = Dictionary(grouping: names.map { Array($0.utf8) }, by: \.count)
        namesByLength = (0...(grouped.keys.max() ?? 0)).map { grouped[$0] ?? [] }
        if names.contains("") {
            leadingPairs = nil
        } else {
            var pairs = [UInt64](repeating: 0, count: 1024)
            for name in names.map({ Array($0.utf8) }) {
                let pair = Int(name[0]) << 8 | Int(name.count > 1 ? name[1] : UInt8(ascii: "="))
                pairs[pair >> 6] |= 1 << UInt64(pair & 63)
            }
            leadingPairs = pairs
        }
        if leadingPairs != nil {
            var bytes: [UInt8] = []
            var byLength: [UInt32] = []
            for length in 0..<namesByLength.count {
                byLength.append(UInt32(bytes.count))
                for name in namesByLength[length] { bytes += name }
            }
            byLength.append(UInt32(bytes.count))
            nameTable = NameTable(names: bytes, byLength: byLength)
        } else {
            nameTable = nil
        }
    }

    /// Parses with the built-in allowlist.
    public static func parse(_ bytes: Bytes) -> [String: String] { standard.parse(bytes) }

    /// Parses NUL-separated `NAME=value` entries and keeps only allowlisted names.
    /// When a name appears twice, the first wins, as getenv(3) does.
    public func parse(_ bytes: Bytes) -> [String: String] {
        var shared = SharedEnvironments()
        return parse(bytes, sharing: &shared)
    }

    /// `parse`, with the environments of a sample so far: when the kept variables are byte for
    /// byte those of an earlier process (the processes of a job inherit them), that process's
    /// dictionary is returned, and no String is made.
    func parse(_ bytes: Bytes, sharing shared: inout SharedEnvironments) -> [String: String] {
        shared.entries.removeAll(keepingCapacity: true)
        var length = 0
        bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) -> Void in
            findKept(buffer, into: &shared.entries)
            // The kept entries, each with its NUL, copied into the reused buffer in one pass.
            length = shared.entries.reduce(0) { $0 + $1.end - $1.name + 1 }
            if shared.content.count < length { shared.content = [UInt8](repeating: 0, count: max(length, 2 * shared.content.count)) }
            let entries = shared.entries
            shared.content.withUnsafeMutableBufferPointer { content in
                var at = 0
                for entry in entries {
                    let size = entry.end - entry.name
                    UnsafeMutableRawPointer(content.baseAddress! + at).copyMemory(from: buffer.baseAddress! + entry.name, byteCount: size)
                    content[at + size] = 0
                    at += size + 1
                }
            }
        }
        if shared.entries.isEmpty { return [:] }
        let entries = shared.entries
        return shared.content.withUnsafeBytes { all in
            let content = UnsafeRawBufferPointer(rebasing: all[0..<length])
            return shared.kept.value(for: content) { () -> [String: String] in
                var kept: [String: String] = [:]
                kept.reserveCapacity(entries.count)
                for entry in entries {
                    let name = bytes[(bytes.startIndex + entry.name)..<(bytes.startIndex + entry.equals)]
                    kept[String(decoding: name, as: UTF8.self)] =
                        EscapedText.decode(bytes[(bytes.startIndex + entry.equals + 1)..<(bytes.startIndex + entry.end)])
                }
                return kept
            }
        }
    }

    /// The allowlisted entries of `buffer`, the first of each name only, as offsets.
    private func findKept(_ buffer: UnsafeBufferPointer<UInt8>, into kept: inout [SharedEnvironments.Entry]) {
        guard let base = buffer.baseAddress else { return }
        guard let leadingPairs, let nameTable else {
            // A name is empty: no two-byte filter, every entry is looked at here.
            var entry = 0
            while entry < buffer.count {
                var end = buffer.count
                if let nul = memchr(base + entry, 0, buffer.count - entry) {
                    end = UnsafePointer<UInt8>(nul.assumingMemoryBound(to: UInt8.self)) - base
                }
                consider(base, from: entry, to: end, into: &kept)
                entry = end + 1
            }
            return
        }
        // The entries with an allowlisted name, found in C sixteen at a time (one C loop over
        // the some fifty entries of a payload's environment, no Swift per entry).
        let capacity = 16
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * capacity) { found in
            leadingPairs.withUnsafeBufferPointer { pairs in
                nameTable.names.withUnsafeBufferPointer { names in nameTable.byLength.withUnsafeBufferPointer { byLength in
                    var from = 0
                    repeat {
                        let count = isotrace_environ_named(
                            base, buffer.count, pairs.baseAddress, names.baseAddress, byLength.baseAddress, namesByLength.count - 1,
                            &from, found.baseAddress, capacity)
                        for index in 0..<count {
                            let start = found[3 * index], equals = found[3 * index + 1]
                            let seen = kept.contains { earlier in
                                earlier.equals - earlier.name == equals - start
                                    && memcmp(base + earlier.name, base + start, equals - start) == 0
                            }
                            if !seen { kept.append(SharedEnvironments.Entry(name: start, equals: equals, end: found[3 * index + 2])) }
                        }
                    } while from < buffer.count
                } }
            }
        }
    }

    /// The entry `start..<end` of the block at `base`, kept when its name is allowlisted and not
    /// kept already.
    @inline(__always)
    private func consider(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, into kept: inout [SharedEnvironments.Entry]) {
        let longest = namesByLength.count - 1
        var equals = start
        while equals < end && equals - start <= longest && base[equals] != UInt8(ascii: "=") { equals += 1 }
        guard equals < end, base[equals] == UInt8(ascii: "="), equals - start <= longest else { return }
        let name = UnsafeBufferPointer<UInt8>(start: base + start, count: equals - start)
        guard namesByLength[name.count].contains(where: { (candidate: [UInt8]) in candidate.elementsEqual(name) }) else { return }
        let seen = kept.contains { earlier in
            earlier.equals - earlier.name == name.count
                && memcmp(base + earlier.name, base + start, name.count) == 0
        }
        if !seen { kept.append(SharedEnvironments.Entry(name: start, equals: equals, end: end)) }
    }
}

/// The kept environments of one sample, by content (see `EnvironmentAllowlist.parse(_:sharing:)`),
/// and the scratch space of a parse.
struct SharedEnvironments {
    struct Entry {
        var name: Int
        var equals: Int
        var end: Int
    }

    var kept = ContentCache<[String: String]>()
    var entries: [Entry] = []
    /// The kept entries, each followed by a NUL: what identifies an environment (the first
    /// bytes of this buffer, reused from one process to the next).
    var content: [UInt8] = []
}
