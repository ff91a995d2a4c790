import Foundation
import Jobs
@testable import Policy
import ProcFS
import Testing

/// Issue 21, finding 2: the payload (uid 2001 in the pilot3 fixture) must not choose the owner DN
/// shown as evidence. The DN is read from the pilot's side only (PILOT_HOME = the pilot's cwd), and
/// is evidence only when no payload process could write or replace the file: owner, mode, ACL and
/// every directory above it, as the pilot sees them.
@Suite(.enabled(if: getuid() == 0, "needs root: chown and chmod of the planted pilot files"))
struct OwnerTrustTests {
    static let home = "/home/isopilot/work/PanDA_Pilot3_25588_1795671853"
    static let dn = "/DC=ch/DC=cern/OU=Users/CN=jdoe/CN=Jane Doe"
    static let forged = "/DC=ch/DC=cern/OU=Users/CN=innocent/CN=Innocent Bystander"

    /// Writes `text` to `path` inside the pilot's root (pid 25588), directories root-owned 0755.
    static func plant(_ text: String, at path: String, in procRoot: String, owner: uid_t = 0, mode: mode_t = 0o644) throws {
        let file = "\(procRoot)/25588/root\(path)"
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        chown(file, owner, owner)
        chmod(file, mode)
    }

    static func definition(_ dn: String) -> String {
        "start\njob definition = {'PandaID': 6402753124, 'prodUserID': '\(dn)', 'taskID': 42}\n"
    }

    static func owner(_ procRoot: String) throws -> JobOwner? {
        try EvaluatorFixtureTests.audit(procRoot: procRoot).jobs.first?.owner
    }

    /// `exec env PILOT_HOME=<dir>` with a 0444 pilotlog.txt of the payload's own making: the
    /// payload root's PILOT_HOME is not where the pilot's log is looked for.
    @Test func payloadRootsPilotHomeIsNotFollowed() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let evil = "/home/isopilot/evil"
            let environ = "\(procRoot)/25625/environ"
            let original = try String(contentsOfFile: environ, encoding: .utf8)
            try original.replacingOccurrences(of: "PILOT_HOME=\(Self.home)", with: "PILOT_HOME=\(evil)")
                .write(toFile: environ, atomically: false, encoding: .utf8)
            try Self.plant(Self.definition(Self.forged), at: evil + "/pilotlog.txt", in: procRoot, owner: 0, mode: 0o444)
            #expect(try Self.owner(procRoot) == nil, "no log in the pilot's own PILOT_HOME: no owner")
            try Self.plant(Self.definition(Self.dn), at: Self.home + "/pilotlog.txt", in: procRoot)
            let owner = try #require(try Self.owner(procRoot))
            #expect(owner.dn == Self.dn && owner.source == Self.home + "/pilotlog.txt")
            #expect(!owner.payloadWritable, "\(owner)")
        }
    }

    /// Read-only to the payload, but in a directory it owns or may write: it could have replaced it.
    @Test func aFileInAReplaceableDirectoryIsAClaim() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            try Self.plant(Self.definition(Self.dn), at: Self.home + "/pilotlog.txt", in: procRoot, owner: 0, mode: 0o444)
            let directory = "\(procRoot)/25588/root\(Self.home)"
            let parent = (directory as NSString).deletingLastPathComponent
            #expect(try Self.owner(procRoot)?.payloadWritable == false)

            chmod(directory, 0o777)
            var owner = try #require(try Self.owner(procRoot))
            #expect(owner.payloadWritable)
            #expect(owner.claimReason?.contains("may write directory \(Self.home)") == true, "\(owner)")

            chmod(directory, 0o1777)  // sticky: others' entries cannot be renamed or removed
            #expect(try Self.owner(procRoot)?.payloadWritable == false)

            chmod(directory, 0o755)
            chown(parent, 2001, 2001)  // a grandparent the payload owns: it can move the whole tree
            owner = try #require(try Self.owner(procRoot))
            #expect(owner.payloadWritable)
            #expect(owner.claimReason?.contains("owns directory /home/isopilot/work") == true, "\(owner)")
            chown(parent, 0, 0)

            chown("\(directory)/pilotlog.txt", 2001, 2001)  // mode 0444, but its owner can chmod it
            owner = try #require(try Self.owner(procRoot))
            #expect(owner.payloadWritable && owner.claimReason?.contains("owns \(Self.home)/pilotlog.txt") == true, "\(owner)")
        }
    }

    /// The trace report is looked for in PILOT_HOME's job directory; the payload's own copy there
    /// (it owns the file) is a claim.
    @Test func traceReportWrittenByThePayloadIsAClaim() throws {
        try EvaluatorFixtureTests.withCopy { procRoot in
            let report = Self.home + "/PanDA_Pilot-6402753124/base_trace_report.json"
            try Self.plant(#"{"usrdn": "\#(Self.forged)", "appid": 6402753124}"#, at: report, in: procRoot, owner: 2001, mode: 0o444)
            let owner = try #require(try Self.owner(procRoot))
            #expect(owner.dn == Self.forged && owner.source == report)
            #expect(owner.payloadWritable, "\(owner)")
        }
    }

    @Test func parentsAreEveryDirectoryUpToTheRoot() {
        #expect(OwnerFileTrust.parents(of: "/a/b/c.txt") == ["/a/b", "/a", "/"])
    }
}
