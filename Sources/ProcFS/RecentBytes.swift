#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The values made from the last few distinct contents (a link's target, ...), by those bytes:
/// the processes of a job read one after the other mostly have the same cwd and exe, and a
/// content seen among the last `kept` is not parsed, nor its String made, again.
struct RecentBytes<Value> {
    static var kept: Int { 4 }
    private var entries: [(bytes: [UInt8], value: Value)] = []
    /// Where the next new one goes once `kept` are held.
    private var next = 0

    /// The value of `bytes`: an earlier one's when the bytes are the same, else `make()`'s.
    mutating func value(for bytes: Bytes, _ make: () -> Value) -> Value {
        // By index, each kept array read in place (no copy of an entry, no retain per compare).
        let found = bytes.withUnsafeBytes { raw -> Int? in
            for index in entries.indices where entries[index].bytes.count == raw.count {
                if raw.isEmpty || entries[index].bytes.withUnsafeBytes({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }) {
                    return index
                }
            }
            return nil
        }
        if let found { return entries[found].value }
        let value = make()
        if entries.count < Self.kept {
            entries.append((Array(bytes), value))
        } else {
            entries[next] = (Array(bytes), value)
            next = (next + 1) % Self.kept
        }
        return value
    }
}
