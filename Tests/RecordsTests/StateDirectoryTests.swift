import Base
import Foundation
import Records
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 21 finding 6 and 12: an unprivileged user prepares the output directory and root's
/// `audit --record --out DIR` must not write where that user's links point, nor use a key
/// directory that user owns; files are created with their own mode whatever the umask.
@Suite struct StateDirectoryTests {
    /// A file outside the output directory that a planted link points at (think /etc/nologin).
    struct Victim {
        let directory: TestDirectory
        init() throws { directory = try TestDirectory("isotrace-victim") }
        var path: String { directory.file("protected") }
    }

    @Test func recordsDirectoryLinkIsRefused() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        let victim = try Victim()
        defer { victim.directory.remove() }
        try FileManager.default.createSymbolicLink(atPath: chain.directory.file("records"), withDestinationPath: victim.directory.path)
        #expect(throws: (any Error).self) { try chain.writer() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim.directory.path).isEmpty, "segments or lock written through the link")
    }

    @Test func lockFileLinkIsRefused() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        let victim = try Victim()
        defer { victim.directory.remove() }
        try FileManager.default.createDirectory(atPath: chain.directory.file("records"), withIntermediateDirectories: false, attributes: [.posixPermissions: 0o750])
        try FileManager.default.createSymbolicLink(atPath: chain.directory.file("records/.lock"), withDestinationPath: victim.path)
        let error = try #require(throws: (any Error).self) { try chain.writer() }
        #expect("\(error)".contains("records/.lock"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: victim.path), "root created the link's target")
    }

    @Test func segmentLinkIsNeverAppendedTo() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        let victim = try Victim()
        defer { victim.directory.remove() }
        // An empty root file (think /etc/nologin): the writer takes it for an empty segment.
        #expect(FileManager.default.createFile(atPath: victim.path, contents: nil, attributes: [.posixPermissions: 0o644]))
        try FileManager.default.createDirectory(atPath: chain.directory.file("records"), withIntermediateDirectories: false, attributes: [.posixPermissions: 0o750])
        let today = SegmentDirectory.segmentName(for: chain.clock.now())
        try FileManager.default.createSymbolicLink(atPath: chain.directory.file("records/" + today), withDestinationPath: victim.path)
        #expect(throws: (any Error).self) {
            let writer = try chain.writer()
            defer { writer.close() }
            _ = try writer.append(TestChain.body(1))
        }
        #expect(try String(contentsOfFile: victim.path, encoding: .utf8) == "", "a record was appended to the link's target")
    }

    @Test func outputDirectoryWritableByOthersIsRefused() throws {
        let chain = try TestChain(records: 0)
        defer { chain.directory.remove() }
        #expect(chmod(chain.directory.path, 0o777) == 0)
        let error = try #require(throws: (any Error).self) { try chain.writer() }
        #expect("\(error)".contains("\(chain.directory.path): is writable by others"), "\(error)")
    }

    @Test func keyDirectoryOwnedByAnotherUserIsRefused() throws {
        guard Requirements.isRoot else {
            print("skipped: chown to another uid needs root")
            return
        }
        let directory = try TestDirectory()
        defer { directory.remove() }
        let keys = directory.file("keys")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        #expect(chown(keys, 65534, 65534) == 0)
        // keygen refuses to put the private key there...
        let error = try #require(throws: (any Error).self) { try KeyPairFiles(outputDirectory: directory.path).create() }
        #expect("\(error)".contains("\(keys): is owned by uid 65534"), "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: keys).isEmpty)
        // ...and a pair that user swapped in is never used to sign.
        #expect(chown(keys, 0, 0) == 0)
        _ = try KeyPairFiles(outputDirectory: directory.path).create()
        #expect(chown(keys, 65534, 65534) == 0)
        let loading = try #require(throws: (any Error).self) { try RecordSigningKey.load(path: KeyPairFiles(outputDirectory: directory.path).privateKeyPath) }
        #expect("\(loading)".contains("\(keys): is owned by uid 65534"), "\(loading)")
    }

    /// What root creates in the daemon's state directory (owned by its system user) is given to
    /// that user, so the daemon, running as it, can go on writing: a segment and the index root's
    /// `audit --record` made, keys/ and the keys of root's keygen. In a root-owned directory
    /// nothing changes owner.
    @Test func rootHandsWhatItCreatesToTheDirectoryOwner() throws {
        guard Requirements.isRoot else {
            print("skipped: creating files for another uid needs root")
            return
        }
        let directory = try TestDirectory()
        defer { directory.remove() }
        chmod(directory.path, 0o750)
        #expect(chown(directory.path, 64938, 64939) == 0)
        let fd = try #require(try Syscalls.createStateFile(directory.file("index.sqlite"), O_WRONLY, mode: 0o640))
        Syscalls.closeFile(fd)
        try Syscalls.makeDirectories(directory.file("records"), mode: 0o750)
        let segment = try #require(try Syscalls.createStateFile(directory.file("records/2026-12-05.jsonl"), O_WRONLY, mode: 0o640))
        Syscalls.closeFile(segment)
        for name in ["index.sqlite", "records", "records/2026-12-05.jsonl"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.file(name))
            #expect(attributes[.ownerAccountID] as? Int == 64938 && attributes[.groupOwnerAccountID] as? Int == 64939, "\(name): \(attributes)")
        }
        let rootOwned = try TestDirectory()
        defer { rootOwned.remove() }
        let own = try #require(try Syscalls.createStateFile(rootOwned.file("segment"), O_WRONLY, mode: 0o640))
        Syscalls.closeFile(own)
        #expect(try FileManager.default.attributesOfItem(atPath: rootOwned.file("segment"))[.ownerAccountID] as? Int == 0)
    }

    /// The modes asked for, exactly (umask 000 is tested in a child process below: the umask is
    /// per process, and these tests run in parallel).
    @Test func filesGetTheModeAskedFor() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let fd = try #require(try Syscalls.createStateFile(directory.file("segment"), O_WRONLY, mode: 0o640))
        Syscalls.closeFile(fd)
        try Syscalls.replaceDurably(directory.file("cursor"), with: [0x31], directory: directory.path, mode: 0o640)
        try Syscalls.makeDirectories(directory.file("a/b"), mode: 0o750)
        for (name, mode) in [("segment", 0o640), ("cursor", 0o640), ("a", 0o750), ("a/b", 0o750)] {
            let status = try Syscalls.status(of: directory.file(name))
            #expect(status.mode == mode_t(mode), "\(name): \(String(status.mode, radix: 8))")
        }
    }

    /// Finding 12: `audit --format html` under umask 000 made a world-writable report (0666).
    @Test func htmlReportIsNotWorldWritableUnderUmaskZero() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let report = directory.file("reports/audit.html")
        let run = try Command.run(["/bin/sh", "-c", "umask 000; exec \"$0\" \"$@\"", try IsotraceBinary.path(),
                                   "audit", "--proc-root", Repository.pilot3ProcRoot, "--format", "html", "--output", report])
        #expect(run.status == 0 || run.status == 1, "\(run)")
        #expect(try Syscalls.status(of: report).mode == 0o640)
        #expect(try Syscalls.status(of: directory.file("reports")).mode == 0o750)
    }
}
