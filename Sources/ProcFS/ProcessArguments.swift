/// Parses `/proc/<pid>/cmdline`: NUL-separated argv, with secrets redacted before anything
/// else sees them. Kernel threads and zombies have an empty cmdline, which gives `[]`.
public enum ProcessArguments {
    public static func parse(_ bytes: Bytes) -> [String] {
        guard !bytes.isEmpty else { return [] }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        // The kernel ends argv with a NUL; a process that rewrote its argv may not.
        if bytes.last == 0 { parts.removeLast() }
        return SecretRedactor.redact(parts.map { EscapedText.decode($0) })
    }
}
