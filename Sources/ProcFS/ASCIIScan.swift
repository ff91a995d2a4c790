/// Byte-level searches over ASCII text, for the secret redactor's hot path.
///
/// On ASCII text these give exactly what the `String` operations they replace give
/// (`lowercased().contains`, `contains`, `hasPrefix`): every ASCII scalar is its own Character
/// except CR LF, which no needle contains. Callers use them only after `isASCII` and keep the
/// `String` operations for other text, where Unicode case mapping and grapheme rules differ.
package enum ASCIIScan {
    /// nil when the text is not ASCII; else the result of `body` on its bytes.
    static func withASCII<T>(_ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        text.utf8.withContiguousStorageIfAvailable { bytes -> T? in
            for byte in bytes where byte >= 0x80 { return nil }
            return body(bytes)
        } ?? nil
    }

    /// True when `needle` (lower-case ASCII) stands at `offset` in `bytes`, letters compared case-insensitively.
    @inline(__always)
    static func hasFolded(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard offset >= 0, offset + count <= bytes.count else { return false }
        let pattern = needle.utf8Start
        for index in 0..<count where lower(bytes[offset + index]) != pattern[index] { return false }
        return true
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }

    /// Whether every byte is below 0x80, eight bytes at a time.
    package static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeRawBufferPointer(bytes)
        var index = 0
        var high: UInt64 = 0
        while index + 32 <= raw.count {
            high |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) | raw.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                | raw.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self) | raw.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
            index += 32
        }
        while index + 8 <= raw.count {
            high |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < raw.count {
            high |= UInt64(raw[index])
            index += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}
