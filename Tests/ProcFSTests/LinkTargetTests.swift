import Testing
@testable import ProcFS

/// `exe` and `cwd` links: the kernel appends " (deleted)" when the target was unlinked.
@Suite struct LinkTargetTests {
    @Test(arguments: [
        ("/usr/bin/bash", "/usr/bin/bash", false),
        ("/usr/bin/x (deleted)", "/usr/bin/x", true),
        ("/tmp/work dir (deleted)", "/tmp/work dir", true),
        ("/usr/bin/x (deleted) ", "/usr/bin/x (deleted) ", false),
        (" (deleted)", " (deleted)", false),  // nothing before the suffix: a name, not a marker
        ("/", "/", false),
    ])
    func parse(text: String, path: String, deleted: Bool) {
        #expect(LinkTarget.parse(Array(text.utf8)) == LinkTarget(path: path, deleted: deleted))
    }

    @Test func nonUTF8PathIsEscaped() {
        let raw = Array("/tmp/".utf8) + [0xFF, 0xFE] + Array(" (deleted)".utf8)
        #expect(LinkTarget.parse(raw) == LinkTarget(path: "/tmp/\\xff\\xfe", deleted: true))
    }
}
