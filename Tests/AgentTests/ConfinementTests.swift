import Agent
import Base
import Records
import Testing

/// The pure parts of the daemon's confinement: the Landlock ruleset for each ABI, the seccomp
/// argument conditions, and what the heartbeat says. The live parts (the user switch, the
/// LD_PRELOAD escape probe, the ruleset applied) are in LiveTests.
@Suite struct ConfinementTests {
    typealias Access = LandlockRuleset.FileAccess

    @Test("Landlock ABI 1: the thirteen first filesystem rights, no network, no scopes, and the gaps named")
    func landlockABI1() {
        let ruleset = LandlockRuleset(abi: 1, policyPath: "/etc/isotrace/policy.yaml", stateDirectory: "/var/lib/isotrace")
        #expect(ruleset.handledFilesystem == 0x1fff)
        #expect(ruleset.handledNetwork == 0 && ruleset.scoped == 0)
        let state = ruleset.rules.first { $0.path == "/var/lib/isotrace" }
        #expect(state?.access == Access.stateDirectory & 0x1fff, "no right ABI 1 does not know")
        #expect(state.map { $0.access & Access.execute == 0 } == true, "nothing executes from the state directory")
        #expect(ruleset.uncovered.count == 5 && ruleset.uncovered.contains { $0.contains("TCP") }, "\(ruleset.uncovered)")
    }

    @Test("Landlock ABI 7: refer, truncate and device ioctl handled, TCP refused (unless a sink needs it), signals and abstract sockets scoped")
    func landlockABI7() {
        let ruleset = LandlockRuleset(abi: 7, procRoot: "/proc", policyPath: "/p.yaml", stateDirectory: "/s")
        #expect(ruleset.handledFilesystem == 0xffff)
        #expect(ruleset.handledNetwork == 0b11 && ruleset.scoped == 0b11)
        #expect(ruleset.uncovered.isEmpty)
        #expect(ruleset.rules.map(\.path) == ["/proc", "/sys", "/p.yaml", "/s"])
        #expect(ruleset.rules.first { $0.path == "/proc" }?.access == Access.readFile | Access.readDirectory)
        #expect(ruleset.rules.first { $0.path == "/p.yaml" }?.access == Access.readFile)
        #expect(ruleset.rules.first { $0.path == "/s" }.map { $0.access & (Access.refer | Access.truncate) != 0 } == true)
        let sink = LandlockRuleset(abi: 7, policyPath: "/p.yaml", stateDirectory: "/s", allowTCP: true)
        #expect(sink.handledNetwork == 0, "a --sink over TCP keeps TCP")
    }

    @Test("seccomp: prlimit64 only on pid 0 or the daemon's own pid, never unconditionally")
    func prlimitConditions() {
        #expect(!SeccompFilter.allowed.contains("prlimit64"))
        let conditions = SeccompFilter.conditional(ownPID: 4242).filter { $0.name == "prlimit64" }
        #expect(conditions.map(\.argument) == [0, 0])
        #expect(Set(conditions.map(\.value)) == [0, 4242])
        #expect(SeccompFilter.describe().contains { $0.hasPrefix("prlimit64 (302)  [pid 0 (itself) only]  [own pid") })
    }

    @Test("seccomp: ioctl only for TCGETS and a few harmless requests, compared on the 32 bits the kernel reads; never TIOCSTI")
    func ioctlConditions() {
        #expect(!SeccompFilter.allowed.contains("ioctl"))
        let conditions = SeccompFilter.conditional(ownPID: 1).filter { $0.name == "ioctl" }
        #expect(conditions.contains { $0.value == 0x5401 && $0.argument == 1 && $0.mask == 0xffff_ffff })
        #expect(!conditions.contains { $0.value == 0x5412 || $0.value == 0x541C }, "TIOCSTI, TIOCLINUX")
        #expect(conditions.allSatisfy { $0.mask == 0xffff_ffff })
    }

    @Test("the heartbeat's confinement report: user, uid, capabilities, Landlock and why it is not applied")
    func heartbeatReport() {
        var outcome = SelfConfinement.Outcome(effective: Capability.mask(SelfConfinement.kept), bounding: Capability.mask(SelfConfinement.kept),
                                              threads: 1, uid: 991, gid: 987, userName: "isotrace")
        outcome.landlock = .notApplied(abi: 7, reason: SelfConfinement.landlockConflict)
        var counters = HeartbeatCounters()
        counters.confinement = outcome.json
        let body = DaemonRecords.heartbeat(counters)
        let confinement = body.members.first { $0.key == "heartbeat" }?.value["confinement"]
        #expect(confinement?["user"]?.stringValue == "isotrace" && confinement?["uid"]?.integerValue == 991)
        #expect(confinement?["cap_eff"]?.stringValue == "0000000000080004")
        #expect(confinement?["landlock"]?["applied"] == .bool(false) && confinement?["landlock"]?["abi"]?.integerValue == 7)
        #expect(confinement?["landlock"]?["reason"]?.stringValue?.contains("ptrace") == true)
        #expect(LandlockStatus.unavailable(reason: "not built into this kernel (ENOSYS)").summary == "landlock: unavailable, not built into this kernel (ENOSYS)")
        #expect(LandlockStatus.applied(abi: 3, skipped: ["/sys"], uncovered: ["TCP"]).summary
                == "landlock: ABI 3 applied, no rule for missing /sys; this ABI does not cover: TCP")
    }
}
