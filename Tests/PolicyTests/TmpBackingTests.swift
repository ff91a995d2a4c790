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
}
