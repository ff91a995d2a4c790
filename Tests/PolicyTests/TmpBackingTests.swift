import ProcFS
import Testing
@testable import Policy

/// Which directory backs /tmp in a mount table (ISO-TMP compares these).
struct TmpBackingTests {
    static func mount(_ id: Int, _ root: String, _ point: String, device: String, type: String = "ext4") -> MountEntry {
        MountEntry(mountID: id, parentID: 1, device: device, root: root, mountPoint: point, options: ["rw"],
                   optionalFields: [], fsType: type, source: "/dev/vda", superOptions: ["rw"])
    }

    static func backing(_ mounts: [MountEntry]) -> TmpBacking? {
        TmpBacking.of(MountNamespaceSample(inode: 1, readThroughPID: 1, mounts: mounts))
    }

    @Test func tmpOnTheRootFilesystem() {
        #expect(Self.backing([Self.mount(1, "/", "/", device: "254:0")]) == TmpBacking(device: "254:0", directory: "/tmp"))
    }

    @Test func bindMountOfTheHostTmpIsTheSameDirectory() {
        let host = Self.backing([Self.mount(1, "/", "/", device: "254:0")])
        let container = Self.backing([Self.mount(1, "/", "/", device: "7:3", type: "squashfs"), Self.mount(2, "/tmp", "/tmp", device: "254:0")])
        #expect(host == container)
    }

    @Test func privateTmpfsDiffers() {
        let host = Self.backing([Self.mount(1, "/", "/", device: "254:0")])
        let container = Self.backing([Self.mount(1, "/", "/", device: "254:0"), Self.mount(2, "/", "/tmp", device: "0:77", type: "tmpfs")])
        #expect(container == TmpBacking(device: "0:77", directory: "/"))
        #expect(host != container)
    }

    @Test func laterMountOverTmpWins() {
        let mounts = [Self.mount(1, "/", "/", device: "254:0"), Self.mount(2, "/", "/tmp", device: "0:50", type: "tmpfs"),
                      Self.mount(3, "/", "/tmp", device: "0:51", type: "tmpfs")]
        #expect(Self.backing(mounts)?.device == "0:51")
    }

    @Test func tmpInsideAMountedParent() {
        #expect(Self.backing([Self.mount(1, "/", "/", device: "254:0"), Self.mount(2, "/scratch/job1", "/tmp", device: "8:1")])
            == TmpBacking(device: "8:1", directory: "/scratch/job1"))
    }

    /// TmpBacking.of as it was, on Strings (the byte-level `covers` must find the same mount).
    static func reference(_ mounts: [MountEntry]) -> TmpBacking? {
        func covers(_ point: String) -> Bool { point == "/" || "/tmp" == point || "/tmp".hasPrefix(point + "/") }
        var best: MountEntry?
        for mount in mounts where covers(mount.mountPoint) {
            if best == nil || mount.mountPoint.count >= best!.mountPoint.count { best = mount }
        }
        guard let mount = best else { return nil }
        let below = String("/tmp".dropFirst(mount.mountPoint == "/" ? 0 : mount.mountPoint.count))
        var directory = mount.root == "/" ? below : mount.root + below
        if directory.isEmpty { directory = "/" }
        return TmpBacking(device: mount.device, directory: directory)
    }

    @Test func randomTablesAgreeWithTheStringComparison() {
        var generator = SystemRandomNumberGenerator()
        let points = ["/", "/tmp", "/tmp/", "/tmp/x", "/tm", "/tmpx", "", "/t", "/var/tmp", "//tmp", "/tmp\u{301}", "/é"]
        for _ in 0..<2000 {
            let mounts = (0..<Int.random(in: 0...6, using: &generator)).map { id in
                Self.mount(id, ["/", "/scratch", ""].randomElement(using: &generator)!, points.randomElement(using: &generator)!, device: "0:\(id)")
            }
            #expect(Self.backing(mounts) == Self.reference(mounts), "\(mounts.map(\.mountPoint))")
        }
    }
}
