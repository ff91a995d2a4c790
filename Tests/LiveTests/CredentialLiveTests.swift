import Base
import Foundation
import ProcFS
import TestSupport
import Testing

/// setpriv(1) options and the credentials they must give.
struct Credentials: Sendable, CustomTestStringConvertible {
    var options: [String]
    var uids: [UInt32]?
    var gids: [UInt32]?
    var groups: [UInt32]
    var noNewPrivs: Bool
    var testDescription: String { options.joined(separator: " ") }

    static let cases: [Credentials] = [
        Credentials(options: ["--reuid", "2001", "--regid", "2001", "--clear-groups"],
                    uids: [2001, 2001, 2001, 2001], gids: [2001, 2001, 2001, 2001], groups: [], noNewPrivs: false),
        Credentials(options: ["--reuid", "2001", "--regid", "2001", "--groups", "3001,3002",
                              "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"],
                    uids: [2001, 2001, 2001, 2001], gids: [2001, 2001, 2001, 2001], groups: [3001, 3002], noNewPrivs: true),
        // Real and effective differ: the kernel decides saved/fs ids; we only compare with status.
        Credentials(options: ["--ruid", "2001", "--euid", "2002", "--rgid", "2003", "--egid", "2004", "--clear-groups"],
                    uids: nil, gids: nil, groups: [], noNewPrivs: false),
    ]
}

extension Live {
    @Suite struct CredentialLiveTests {
        @Test("process under another uid shows status's ids, groups and capabilities",
              .enabled(if: LiveRequirements.isRoot, "needs root: setpriv changes uid/gid only as root"),
              .enabled(if: LiveRequirements.hasSetpriv, "needs /usr/bin/setpriv (util-linux)"),
              arguments: Credentials.cases)
        func otherUID(_ credentials: Credentials) throws {
            let child = try ChildProcess.execingSleep(["/usr/bin/setpriv"] + credentials.options + ["/bin/sleep", "300"])
            defer { child.stop() }
            let snapshot = try ProcSampler().sample(pids: [child.pid])
            #expect(snapshot.problems == [])
            let sample = try #require(snapshot.processes.first)
            let status = try #require(sample.status, "status unavailable: \(sample.unavailable)")
            let lines = try ProcFacts.status(child.pid)

            #expect(status.uids.map(Int64.init) == (try ProcFacts.numbers(lines, "Uid")))
            #expect(status.gids.map(Int64.init) == (try ProcFacts.numbers(lines, "Gid")))
            #expect(status.groups.map(Int64.init) == (try ProcFacts.numbers(lines, "Groups")))
            if let uids = credentials.uids { #expect(status.uids == uids) }
            if let gids = credentials.gids { #expect(status.gids == gids) }
            #expect(status.groups == credentials.groups)
            #expect(sample.effectiveUID == status.uids[1])

            let caps = status.capabilities
            #expect(Capability.hex(caps.inheritable) == lines["CapInh"])
            #expect(Capability.hex(caps.permitted) == lines["CapPrm"])
            #expect(Capability.hex(caps.effective) == lines["CapEff"])
            #expect(Capability.hex(caps.bounding) == lines["CapBnd"])
            #expect(Capability.hex(caps.ambient) == lines["CapAmb"])
            if credentials.uids != nil {
                #expect(caps.effective == 0, "root capabilities are dropped when all uids become non-zero")
            }
            if credentials.options.contains("--bounding-set=-all") { #expect(caps.bounding == 0) }

            #expect(status.noNewPrivs == credentials.noNewPrivs)
            #expect(lines["NoNewPrivs"] == (credentials.noNewPrivs ? "1" : "0"))
            #expect(String(status.tracerPid) == lines["TracerPid"])
            let seccomp = try #require(lines["Seccomp"].flatMap { UInt64($0) })
            #expect(status.seccomp == SeccompMode(statusValue: seccomp))
        }
    }
}
