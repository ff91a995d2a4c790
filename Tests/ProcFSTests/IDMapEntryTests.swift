import Testing
@testable import ProcFS

/// `/proc/<pid>/uid_map` and `gid_map` (user_namespaces(7)): "inside outside count", right-aligned.
@Suite struct IDMapEntryTests {
    @Test func initialNamespaceMapsEverything() throws {
        #expect(try IDMapEntry.parseMap(bytes("         0          0 4294967295\n"), file: "uid_map")
            == [IDMapEntry(inside: 0, outside: 0, count: 4_294_967_295)])
    }

    @Test func userNamespaceMapsRootToTheCreator() throws {
        #expect(try IDMapEntry.parseMap(bytes("         0       2001          1\n"), file: "gid_map")
            == [IDMapEntry(inside: 0, outside: 2001, count: 1)])
    }

    @Test func severalLines() throws {
        let map = try IDMapEntry.parseMap(bytes("         0       1000          1\n         1     100000      65536\n"), file: "uid_map")
        #expect(map == [IDMapEntry(inside: 0, outside: 1000, count: 1), IDMapEntry(inside: 1, outside: 100_000, count: 65536)])
    }

    @Test func unwrittenMapIsEmpty() throws {
        // A new user namespace has empty maps until someone writes them.
        #expect(try IDMapEntry.parseMap(bytes(""), file: "uid_map") == [])
    }

    @Test(arguments: [
        ("         0       1000          1\n         0       1000\n", 2),
        ("0 1000 1 1\n", 1),
        ("a 1000 1\n", 1),
        ("0 4294967296 1\n", 1),
        ("0 -1 1\n", 1),
    ])
    func malformedLineNamesFileAndLine(text: String, line: Int) {
        let error = #expect(throws: ParseError.self) { try IDMapEntry.parseMap(bytes(text), file: "gid_map") }
        #expect(error?.file == "gid_map")
        #expect(error?.line == line)
    }
}
