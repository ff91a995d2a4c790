/// Parses `/proc/<pid>/cmdline`: NUL-separated argv, with secrets redacted before anything
/// else sees them. Kernel threads and zombies have an empty cmdline, which gives `[]`.
public enum ProcessArguments {
    public static func parse(_ bytes: Bytes) -> [String] {
        // ASCII, nearly every command line: split and redacted on the bytes themselves.
        if let argv = bytes.withUnsafeBufferPointer(SecretRedactor.redact(commandLine:)) { return argv }
        // One pass, no array of slices: each NUL ends an argument. The kernel ends argv with a
        // NUL; a process that rewrote its argv may not, and its last argument ends with the file.
        var arguments: [String] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: 0) ?? bytes.endIndex
            arguments.append(EscapedText.decode(bytes[start..<end]))
            start = end + 1
        }
        return SecretRedactor.redact(arguments)
    }
}
