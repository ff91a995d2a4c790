/// The content of one /proc file: a slice of a reused read buffer.
public typealias Bytes = ArraySlice<UInt8>

/// Byte-level helpers shared by the parsers: /proc files are ASCII except for names and paths,
/// so scanning bytes avoids Foundation string round trips on the sampling path.
enum ByteScan {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")

    /// Splits into lines without the newline; a trailing newline does not make an empty last line.
    static func lines(_ bytes: Bytes) -> [Bytes] {
        var result = bytes.split(separator: newline, omittingEmptySubsequences: false)
        if result.last?.isEmpty == true { result.removeLast() }
        return result
    }

    /// Splits on runs of spaces and tabs.
    static func fields(_ bytes: Bytes) -> [Bytes] {
        bytes.split(whereSeparator: { $0 == space || $0 == tab })
    }

    /// The first `limit` space- or tab-separated fields (fewer when the line has fewer), found in
    /// one pass without splitting the rest of the line.
    static func leadingFields(_ bytes: Bytes, limit: Int) -> [Bytes] {
        var result: [Bytes] = []
        result.reserveCapacity(limit)
        var index = bytes.startIndex
        while result.count < limit {
            while index < bytes.endIndex && (bytes[index] == space || bytes[index] == tab) { index += 1 }
            guard index < bytes.endIndex else { break }
            let start = index
            while index < bytes.endIndex && bytes[index] != space && bytes[index] != tab { index += 1 }
            result.append(bytes[start..<index])
        }
        return result
    }

    /// Parses an unsigned decimal number; nil unless every byte is a digit and it fits.
    static func unsigned(_ bytes: Bytes) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 48 && byte <= 57 else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(byte - 48))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    /// Parses a signed decimal number (stat has negative fields such as nice and tty_pgrp).
    static func signed(_ bytes: Bytes) -> Int64? {
        if bytes.first == UInt8(ascii: "-") {
            guard let magnitude = unsigned(bytes.dropFirst()), magnitude <= UInt64(Int64.max) else { return nil }
            return -Int64(magnitude)
        }
        guard let value = unsigned(bytes), value <= UInt64(Int64.max) else { return nil }
        return Int64(value)
    }

    /// Parses a hexadecimal number without prefix (capability masks).
    static func hex(_ bytes: Bytes) -> UInt64? {
        bytes.withUnsafeBufferPointer { hex($0) }
    }

    /// `hex` on bytes in place (the one-pass status parse).
    static func hex(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit: UInt8
            switch byte {
            case 48...57: digit = byte - 48
            case 97...102: digit = byte - 87
            case 65...70: digit = byte - 55
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// Strips spaces, tabs and a trailing newline from both ends.
    static func trimmed(_ bytes: Bytes) -> Bytes {
        var slice = bytes
        while let first = slice.first, first == space || first == tab || first == newline { slice = slice.dropFirst() }
        while let last = slice.last, last == space || last == tab || last == newline { slice = slice.dropLast() }
        return slice
    }

    /// Shows bytes for an error message: printable ASCII as is, the rest escaped, cut at 60.
    static func preview(_ bytes: Bytes) -> String {
        let shown = EscapedText.decode(bytes.prefix(60))
        return bytes.count > 60 ? "\"\(shown)…\"" : "\"\(shown)\""
    }
}
