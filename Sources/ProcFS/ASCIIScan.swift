/// Byte-level searches over ASCII text, for the secret redactor's hot path.
///
/// On ASCII text these give exactly what the `String` operations they replace give
/// (`lowercased().contains`, `contains`, `hasPrefix`): every ASCII scalar is its own Character
/// except CR LF, which no needle contains. Callers use them only after `isASCII` and keep the
/// `String` operations for other text, where Unicode case mapping and grapheme rules differ.
enum ASCIIScan {
    /// nil when the text is not ASCII; else the result of `body` on its bytes.
    static func withASCII<T>(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        text.utf8.withContiguousStorageIfAvailable { bytes -> T? in
            for byte in bytes where byte >= 0x80 { return nil }
            return body(bytes)
        } ?? nil
    }

    /// True when `needle` (lower-case ASCII) occurs in `bytes`, letters compared case-insensitively.
    static func containsFolded(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard count > 0, bytes.count >= count else { return false }
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        let first = pattern[0]
        var start = 0
        while start + count <= bytes.count {
            if lower(bytes[start]) == first {
                var offset = 1
                while offset < count && lower(bytes[start + offset]) == pattern[offset] { offset += 1 }
                if offset == count { return true }
            }
            start += 1
        }
        return false
    }

    /// True when `needle` occurs in `bytes` exactly.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        var start = 0
        while start + count <= bytes.count {
            var offset = 0
            while offset < count && bytes[start + offset] == pattern[offset] { offset += 1 }
            if offset == count { return true }
            start += 1
        }
        return false
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }
}
