#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where a `/proc/<pid>/exe` or `cwd` link points. The kernel appends " (deleted)" when the file
/// or directory was removed after the process started (a common trick to hide a binary).
public struct LinkTarget: Sendable, Equatable {
    public var path: String
    public var deleted: Bool

    public init(path: String, deleted: Bool) {
        self.path = path
        self.deleted = deleted
    }

    public static func parse(_ bytes: [UInt8]) -> LinkTarget { parse(bytes[...]) }

    public static func parse(_ bytes: Bytes) -> LinkTarget {
        let suffix: StaticString = " (deleted)"
        let length = suffix.utf8CodeUnitCount
        if bytes.count > length,
           bytes.withUnsafeBytes({ memcmp($0.baseAddress! + $0.count - length, suffix.utf8Start, length) == 0 }) {
            return LinkTarget(path: EscapedText.decode(bytes.dropLast(length)), deleted: true)
        }
        return LinkTarget(path: EscapedText.decode(bytes), deleted: false)
    }
}
