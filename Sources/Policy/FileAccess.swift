import Base
import ProcFS

/// Whether a process may read or write a file, decided as the kernel's generic_permission does
/// (fs/namei.c): capabilities first (only when the file's owner and group are mapped into the
/// process's user namespace), then owner, group or other permission bits.
struct FileAccess {
    enum Kind {
        case read, write

        var bits: (owner: UInt32, group: UInt32, other: UInt32) {
            self == .read ? (0o400, 0o040, 0o004) : (0o200, 0o020, 0o002)
        }
    }

    let facts: FileFacts
    let process: ProcessSample
    let status: ProcessStatus

    /// Why the process may access the file, or nil when it may not.
    func allows(_ kind: Kind) -> String? {
        let effective = status.capabilities.effective
        let override = Capability.dacOverride.isSet(in: effective)
            || (kind == .read && Capability.dacReadSearch.isSet(in: effective))
        if override && capabilitiesApply() {
            return kind == .read ? "CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH" : "CAP_DAC_OVERRIDE"
        }
        let mode = String(facts.mode, radix: 8)
        let fsuid = status.uids[3], fsgid = status.gids[3]
        if fsuid == facts.uid { return facts.mode & kind.bits.owner != 0 ? "owner \(fsuid) with mode \(mode)" : nil }
        if fsgid == facts.gid || status.groups.contains(facts.gid) {
            return facts.mode & kind.bits.group != 0 ? "group \(facts.gid) with mode \(mode)" : nil
        }
        return facts.mode & kind.bits.other != 0 ? "mode \(mode) for others" : nil
    }

    /// Capabilities held in a child user namespace act on a file only when its owner and group
    /// are mapped into that namespace (privileged_wrt_inode_uidgid).
    private func capabilitiesApply() -> Bool {
        guard let userNS = process.namespaces[.user], userNS != initialUserNamespace else { return true }
        func mapped(_ id: UInt32, _ map: [IDMapEntry]?) -> Bool {
            (map ?? []).contains { id >= $0.outside && UInt64(id) < UInt64($0.outside) + UInt64($0.count) }
        }
        return mapped(facts.uid, process.uidMap) && mapped(facts.gid, process.gidMap)
    }
}
