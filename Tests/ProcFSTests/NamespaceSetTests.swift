import Testing
@testable import ProcFS

/// `/proc/<pid>/ns/*` links read as `kind:[inode]` (namespaces(7)).
@Suite struct NamespaceSetTests {
    @Test(arguments: [
        (NamespaceKind.cgroup, "cgroup:[4026531835]", UInt64(4_026_531_835)),
        (.ipc, "ipc:[4026531839]", 4_026_531_839),
        (.mnt, "mnt:[4026531832]", 4_026_531_832),
        (.net, "net:[4026531833]", 4_026_531_833),
        (.pid, "pid:[4026531836]", 4_026_531_836),
        (.pidForChildren, "pid:[4026532302]", 4_026_532_302),  // pid_for_children links to a pid namespace
        (.time, "time:[4026531834]", 4_026_531_834),
        (.user, "user:[4026531837]", 4_026_531_837),
        (.uts, "uts:[4026531838]", 4_026_531_838),
    ])
    func parsesEachKind(kind: NamespaceKind, link: String, inode: UInt64) throws {
        #expect(try NamespaceSet.parseLink(bytes(link), expecting: kind) == inode)
    }

    @Test(arguments: [
        (NamespaceKind.ipc, "net:[4026531833]"),  // wrong kind
        (.pidForChildren, "pid_for_children:[4026531836]"),
        (.mnt, "mnt:4026531832"),
        (.mnt, "mnt:[]"),
        (.mnt, "mnt:[4026531832"),
        (.mnt, "mnt:[40265x1832]"),
        (.mnt, ""),
    ])
    func wrongKindOrShapeIsAnError(kind: NamespaceKind, link: String) {
        let error = #expect(throws: ParseError.self) { try NamespaceSet.parseLink(bytes(link), expecting: kind) }
        #expect(error?.file == "ns/\(kind.rawValue)")
    }

    @Test func setStoresByKind() {
        var set = NamespaceSet()
        set[.mnt] = 7
        #expect(set[.mnt] == 7)
        #expect(set[.pid] == nil)
        #expect(NamespaceKind.allCases.map(\.rawValue) == ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"])
    }
}
