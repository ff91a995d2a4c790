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

    public init(extra: [String] = []) {
        names = Self.names.union(extra)
        let grouped = Dictionary(grouping: names.map { Array($0.utf8) }, by: \.count)
        namesByLength = (0...(grouped.keys.max() ?? 0)).map { grouped[$0] ?? [] }
    }

    /// Parses with the built-in allowlist.
    public static func parse(_ bytes: Bytes) -> [String: String] { standard.parse(bytes) }

    /// Parses NUL-separated `NAME=value` entries and keeps only allowlisted names.
    /// When a name appears twice, the first wins, as getenv(3) does.
    public func parse(_ bytes: Bytes) -> [String: String] {
        var kept: [String: String] = [:]
        let longest = namesByLength.count - 1
        let offset = bytes.startIndex
        bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) -> Void in
            guard let base = buffer.baseAddress else { return }
            var entry = 0
            while entry < buffer.count {
                // The entry's end (NUL) by memchr; its name only if '=' comes within the longest name.
                var end = buffer.count
                if let nul = memchr(base + entry, 0, buffer.count - entry) {
                    end = UnsafePointer<UInt8>(nul.assumingMemoryBound(to: UInt8.self)) - base
                }
                var equals = entry
                while equals < end && equals - entry <= longest && buffer[equals] != UInt8(ascii: "=") { equals += 1 }
                let start = entry
                entry = end + 1
                guard equals < end, buffer[equals] == UInt8(ascii: "="), equals - start <= longest else { continue }
                let name = UnsafeBufferPointer<UInt8>(rebasing: buffer[start..<equals])
                guard namesByLength[name.count].contains(where: { (candidate: [UInt8]) in candidate.elementsEqual(name) }) else { continue }
                let key = String(decoding: name, as: UTF8.self)
                if kept[key] == nil { kept[key] = EscapedText.decode(bytes[(offset + equals + 1)..<(offset + end)]) }
            }
        }
        return kept
    }
}
