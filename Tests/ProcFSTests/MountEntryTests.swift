import Testing
@testable import ProcFS

/// `/proc/<pid>/mountinfo` (proc(5)): mount ID, parent ID, major:minor, root, mount point, options,
/// optional fields..., "-", fs type, source, super options.
@Suite struct MountEntryTests {
    @Test func parsesTheProc5Example() throws {
        let entry = try MountEntry.parseLine(bytes("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"), number: 1)
        #expect(entry == MountEntry(mountID: 36, parentID: 35, device: "98:0", root: "/mnt1", mountPoint: "/mnt2",
                                    options: ["rw", "noatime"], optionalFields: ["master:1"], fsType: "ext3",
                                    source: "/dev/root", superOptions: ["rw", "errors=continue"]))
    }

    @Test func noOrSeveralOptionalFields() throws {
        let none = try MountEntry.parseLine(bytes("22 27 0:21 / /proc rw,relatime - proc proc rw"), number: 1)
        #expect(none.optionalFields == [])
        #expect(none.fsType == "proc" && none.source == "proc" && none.superOptions == ["rw"])
        let two = try MountEntry.parseLine(bytes("47 26 254:18 /export /mnt/x rw,relatime shared:27 master:3 - xfs /dev/vdc rw,attr2"), number: 1)
        #expect(two.optionalFields == ["shared:27", "master:3"])
        #expect(two.root == "/export")
    }

    @Test(arguments: [
        ("rw,hidepid=invisible", "invisible"),
        ("rw,nosuid,hidepid=2,gid=1001", "2"),
        ("rw", nil),
    ] as [(String, String?)])
    func hidepidSuperOption(options: String, hidepid: String?) throws {
        let entry = try MountEntry.parseLine(bytes("22 26 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc \(options)"), number: 1)
        #expect(entry.superOption("hidepid") == hidepid)
        #expect(entry.superOption("rw") == "")  // a flag without value
        #expect(entry.superOption("hide") == nil)  // names match whole, not by prefix
    }

    /// The kernel escapes space, tab, newline and backslash in paths as three octal digits.
    @Test(arguments: [
        ("/mnt/my\\040data", "/mnt/my data"),
        ("/mnt/tab\\011dir", "/mnt/tab\tdir"),
        ("/mnt/back\\134slash", "/mnt/back\\slash"),
        ("/mnt/new\\012line", "/mnt/new\nline"),
        ("/a\\040b\\040c", "/a b c"),
        ("/plain/path", "/plain/path"),
        ("/not\\08octal", "/not\\08octal"),  // 8 is not an octal digit: kept as is
        ("/too\\400big", "/too\\400big"),  // > 255: kept as is
        ("/end\\04", "/end\\04"),  // cut short: kept as is
        ("/end\\", "/end\\"),
    ])
    func decodeOctal(escaped: String, decoded: String) {
        #expect(MountEntry.decodeOctal(bytes(escaped)) == decoded)
    }

    @Test func decodedBytesThatAreNotUTF8AreEscaped() {
        // Raw bytes stay raw in mountinfo; only the four special characters are octal-escaped.
        let raw: [UInt8] = Array("/mnt/caf".utf8) + [0xC3, 0xA9] + Array("\\040".utf8) + [0xFF]
        #expect(MountEntry.decodeOctal(bytes(raw)) == "/mnt/café \\xff")
    }

    @Test func escapedMountPointInALine() throws {
        let entry = try MountEntry.parseLine(bytes("45 26 254:17 /my\\040src /mnt/my\\040data rw,relatime shared:25 - ext4 /dev/vdb\\0401 rw"), number: 4)
        #expect(entry.root == "/my src")
        #expect(entry.mountPoint == "/mnt/my data")
        #expect(entry.source == "/dev/vdb 1")
    }

    @Test(arguments: [
        "27 26 0:44 / /scratch rw,relatime shared:30 tmpfs tmpfs rw",  // no separator
        "27 26 0:44 / - tmpfs tmpfs rw",  // separator too early
        "x 26 0:44 / /scratch rw - tmpfs tmpfs rw",  // mount ID not a number
        "27 26 0:44 / /scratch rw -",  // nothing after the separator
        "",
    ])
    func malformedLineNamesItsNumber(line: String) {
        let error = #expect(throws: ParseError.self) { try MountEntry.parseLine(bytes(line), number: 7) }
        #expect(error?.file == "mountinfo")
        #expect(error?.line == 7)
    }

    @Test func parseFileCountsLinesFromOne() throws {
        let good = "22 26 0:21 / /proc rw - proc proc rw\n26 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
        #expect(try MountEntry.parseFile(bytes(good)).map(\.mountPoint) == ["/proc", "/"])
        let error = #expect(throws: ParseError.self) { try MountEntry.parseFile(bytes(good + "garbage\n")) }
        #expect(error?.line == 3)
        #expect(try MountEntry.parseFile(bytes("")) == [])
    }

    /// Lines shared through the sample's cache (by their text after the two IDs) give what the
    /// plain parse gives, line for line: the same entries with each line's own IDs, or the same
    /// error, also when the IDs are bad, a "-" stands among the first two fields or the rest was
    /// seen before on a line that failed.
    @Test func sharedLinesParseAsThePlainParse() throws {
        let lines = [
            "22 26 0:21 / /proc rw - proc proc rw", "23 27 0:21 / /proc rw - proc proc rw",
            "24  28   0:21 / /proc rw - proc proc rw", "x 28 0:21 / /proc rw - proc proc rw",
            "25 y 0:21 / /proc rw - proc proc rw", "- 28 0:21 / /proc rw - proc proc rw",
            "29 - 0:21 / /proc rw - proc proc rw", "30 31 0:21 / /pr\\040oc rw shared:1 - proc proc rw",
            "32 33 0:21 / /pr\\040oc rw shared:1 - proc proc rw", "34 35 0:21 / /proc rw proc proc rw",
            "36 37 0:21 / /proc rw proc proc rw", "38", "39 40", "", "41 42 0:21 / / rw - ext4 /dev/vda1 rw",
            "99999999999999999999999 1 0:21 / / rw - ext4 /dev/vda1 rw",
        ]
        var cache = ContentCache<MountEntry>()
        for line in lines + lines {
            let plain = Result { () throws(ParseError) in try MountEntry.parseLine(bytes(line), number: 4) }
            let shared = Result { () throws(ParseError) in try MountEntry.parseLine(bytes(line), number: 4, sharing: &cache) }
            #expect(shared == plain, "\(line.debugDescription)")
        }
        let table = lines.filter { (try? MountEntry.parseLine(bytes($0), number: 1)) != nil }.joined(separator: "\n") + "\n"
        #expect(try MountEntry.parseFile(bytes(table), sharing: &cache) == MountEntry.parseFile(bytes(table)))
    }

    @Test func procHidePIDIsThatOfTheLastProcMountAtProc() throws {
        let mounts = try MountEntry.parseFile(bytes("""
            602 600 0:71 / /proc rw,nosuid - proc proc rw
            603 600 0:73 / /srv/proc rw - proc proc rw,hidepid=1
            606 600 0:72 / /proc rw,nosuid - proc proc rw,hidepid=2

            """))
        #expect(MountNamespaceSample(inode: 1, readThroughPID: 1, mounts: mounts).procHidePID == "2")
        #expect(MountNamespaceSample(inode: 1, readThroughPID: 1, mounts: Array(mounts.prefix(2))).procHidePID == nil)
        #expect(MountNamespaceSample(inode: 1, readThroughPID: nil, mounts: nil, unavailable: "x").procHidePID == nil)
    }
}
