#if canImport(Glibc)
import Glibc
#endif

/// User names for uids as this machine's passwd has them: shown next to a recorded uid "where
/// known". Not a recorded fact (the node's names may differ), and labelled so in JSON.
enum UserNames {
    static func lookUp(_ uids: Set<Int64>) -> [Int64: String] {
        var names: [Int64: String] = [:]
        for uid in uids where uid >= 0 && uid <= Int64(UInt32.max) {
            guard let entry = getpwuid(uid_t(uid)), let name = entry.pointee.pw_name else { continue }
            names[uid] = String(cString: name)
        }
        return names
    }
}
