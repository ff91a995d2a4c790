import CProcShim

/// Byte tests shared by the strict parser (`JSONParser`) and the canonical check
/// (`CanonicalJSON.isCanonical`), which must agree on what a JSON string may hold.
enum JSONByteScan {
    /// How many bytes from `offset` are printable ASCII other than a quote or a backslash: the
    /// run a string holds as it is, up to what the reader must look at. The test is the snapshot
    /// writer's (`isotrace_json_plain_prefix` in CProcShim's json_scan.c, sixteen bytes at a time),
    /// with non-ASCII bytes stopping it too.
    @inline(__always)
    static func plainASCIIRun(_ bytes: UnsafeBufferPointer<UInt8>, from offset: Int) -> Int {
        offset < bytes.count ? isotrace_json_plain_prefix(bytes.baseAddress! + offset, bytes.count - offset) : 0
    }

    /// What starts at a non-ASCII byte of a string.
    enum UTF8Sequence {
        /// A well-formed sequence of this many bytes.
        case valid(Int)
        /// The first byte starts no sequence.
        case invalidLead
        /// The input ends before the sequence does, at this offset.
        case truncated(at: Int)
        /// The byte at this offset does not continue the sequence.
        case invalid(at: Int)
    }

    /// The UTF-8 sequence at `offset` by RFC 3629's table: no overlong forms, no encoded
    /// surrogates, nothing above U+10FFFF.
    static func utf8Sequence(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UTF8Sequence {
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch bytes[offset] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; second = 0x80...0x9F
        case 0xF0: length = 4; second = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; second = 0x80...0x8F
        default: return .invalidLead
        }
        for index in 1..<length {
            let at = offset + index
            guard at < bytes.count else { return .truncated(at: at) }
            guard (index == 1 ? second : 0x80...0xBF).contains(bytes[at]) else { return .invalid(at: at) }
        }
        return .valid(length)
    }
}
