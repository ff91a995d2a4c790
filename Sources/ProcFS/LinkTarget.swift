/// Where a `/proc/<pid>/exe` or `cwd` link points. The kernel appends " (deleted)" when the file
/// or directory was removed after the process started (a common trick to hide a binary).
public struct LinkTarget: Sendable, Equatable {
    public var path: String
    public var deleted: Bool

    public init(path: String, deleted: Bool) {
        self.path = path
        self.deleted = deleted
    }

    public static func parse(_ bytes: [UInt8]) -> LinkTarget {
        let suffix = Array(" (deleted)".utf8)
        if bytes.count > suffix.count, bytes.suffix(suffix.count).elementsEqual(suffix) {
            return LinkTarget(path: EscapedText.decode(bytes.dropLast(suffix.count)), deleted: true)
        }
        return LinkTarget(path: EscapedText.decode(bytes[...]), deleted: false)
    }
}
